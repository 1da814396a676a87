// A trim in one process (a go command exiting) while another process on the same directory answers
// go from it (go test still running beside a finished go vet, a CI cache restored with old mtimes).
// go reads the DiskPath after the answer (cache.GetFile stats it, the compiler opens it later), so an
// entry answered as a hit must still be there once the trim is over: a hit refreshes the entry's
// mtime and the trim must see that, at whatever point of its work on that entry the hit lands.
import { mkdtempSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { type TrimPolicy, trim } from "../../src/local/evict.ts";
import { DiskTier } from "../../src/local/tier.ts";
import { idOf, sha256 } from "../helpers.ts";

/** node:fs/promises as evict.ts sees it, with a hook run before the n-th call of the trim. */
const hooks = vi.hoisted(() => ({ calls: 0, at: 0, run: undefined as (() => void) | undefined }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const hooked =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      if (++hooks.calls === hooks.at) hooks.run?.();
      return fn(...args);
    };
  return {
    ...real,
    lstat: hooked(real.lstat),
    readdir: hooked(real.readdir),
    rename: hooked(real.rename),
    link: hooked(real.link),
    unlink: hooked(real.unlink),
  };
});

const DAY = 24 * 3600_000;
const NOW = Date.now();
const policy: TrimPolicy = { maxAgeMs: 5 * DAY, maxSizeBytes: 0, intervalMs: 3600_000 };
const body = Buffer.from("package archive, last used a week ago");
const action = idOf("old action");

const dirs: string[] = [];
afterEach(() => {
  hooks.run = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory holding one entry unused for a week; the trim is due to remove it. */
function oldEntry(): { dir: string; other: DiskTier } {
  const dir = mkdtempSync(join(tmpdir(), "gcp-review37-trim-"));
  dirs.push(dir);
  const tier = new DiskTier({ dir, now: () => NOW });
  const { diskPath } = tier.putNow(action, sha256(body), body);
  const weekAgo = (NOW - 7 * DAY) / 1000;
  utimesSync(diskPath, weekAgo, weekAgo);
  utimesSync(tier.actionPath(action.toString("hex")), weekAgo, weekAgo);
  return { dir, other: new DiskTier({ dir, now: () => NOW }) };
}

it.each(["get", "put"] as const)("a %s answered by another process during a trim keeps its DiskPath on disk", async (request) => {
  for (let at = 1; ; at++) {
    const { dir, other } = oldEntry();
    let answered: string | undefined;
    hooks.calls = 0;
    hooks.at = at;
    hooks.run = () => {
      // The other process answers go (a hit refreshes the mtimes, DiskTier.markUsed) at this point of the trim.
      if (request === "put") answered = other.putNow(action, sha256(body), body).diskPath;
      else {
        const hit = other.getNow(action);
        answered = hit.hit ? hit.diskPath : undefined;
      }
    };
    await trim(dir, policy, NOW);
    if (hooks.calls < at) break; // every point of the trim has been tried
    if (answered === undefined) continue;
    const size = statSync(answered, { throwIfNoEntry: false })?.size;
    expect(size, `${request} answered before the trim's call #${at}, then the trim removed ${answered}`).toBe(body.length);
    // The record a put just wrote is the entry too: a trim that unlinks it loses the put.
    if (request === "put") expect(other.getNow(action).hit, `the put before the trim's call #${at} was lost`).toBe(true);
  }
});
