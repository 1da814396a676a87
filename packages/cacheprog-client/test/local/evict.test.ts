import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RECENT_USE_GUARD_MS, type TrimPolicy, trim, trimIfDue } from "../../src/local/evict.ts";
import { listFiles } from "../helpers.ts";

/**
 * node:fs/promises as evict.ts sees it: the real module, with a hook run (once) before the next
 * unlink, so a test can play another process that uses an entry in the middle of a trim.
 */
const fsHooks = vi.hoisted(() => ({ beforeUnlink: undefined as ((path: string) => Promise<void>) | undefined }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...real,
    unlink: async (path: string) => {
      const hook = fsHooks.beforeUnlink;
      fsHooks.beforeUnlink = undefined;
      await hook?.(path);
      return real.unlink(path);
    },
  };
});

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse("2025-06-01T12:00:00Z");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-evict-"));
});
afterEach(async () => {
  fsHooks.beforeUnlink = undefined;
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** Creates a cache file last used `ageMs` before NOW and returns its path. */
async function entry(ageMs: number, size = 100, name?: string): Promise<string> {
  const hex = (++counter).toString(16).padStart(64, "a");
  const file = name ?? `${hex}-d`;
  await mkdir(join(dir, hex.slice(0, 2)), { recursive: true });
  const path = join(dir, hex.slice(0, 2), file);
  await writeFile(path, Buffer.alloc(size));
  const seconds = (NOW - ageMs) / 1000;
  await utimes(path, seconds, seconds);
  return path;
}

const policy = (over: Partial<TrimPolicy>): TrimPolicy => ({ maxAgeMs: 5 * DAY, maxSizeBytes: 0, intervalMs: HOUR, ...over });

describe("eviction", () => {
  it("removes entries unused for longer than max-age, and stale temp files, and nothing else", async () => {
    const old = await entry(6 * DAY);
    const oldAction = await entry(6 * DAY, 90, `${"b".repeat(64)}-a`);
    const recent = await entry(2 * DAY);
    const staleTemp = await entry(2 * DAY, 10, ".tmp-123-1-abcd");
    const liveTemp = await entry(HOUR, 10, ".tmp-456-1-abcd");
    const foreign = await entry(30 * DAY, 10, "README");
    const report = await trim(dir, policy({}), NOW);
    expect(await listFiles(dir)).toEqual([recent, liveTemp, foreign].sort());
    expect(report).toEqual({ removedFiles: 3, removedBytes: 200, keptFiles: 2, keptBytes: 110 });
    for (const gone of [old, oldAction, staleTemp]) await expect(stat(gone)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("never removes anything used in the last 24 hours, even with a shorter max-age", async () => {
    const guarded = await entry(RECENT_USE_GUARD_MS - HOUR);
    const expired = await entry(RECENT_USE_GUARD_MS + HOUR);
    await trim(dir, policy({ maxAgeMs: HOUR }), NOW);
    expect(await listFiles(dir)).toEqual([guarded]);
    await expect(stat(expired)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("trims to the size budget least recently used first, keeping the last day's entries", async () => {
    const fresh = await entry(10 * HOUR);
    const twoDays = await entry(2 * DAY);
    await entry(3 * DAY);
    await entry(4 * DAY);
    const report = await trim(dir, policy({ maxAgeMs: 30 * DAY, maxSizeBytes: 250 }), NOW);
    expect(await listFiles(dir)).toEqual([fresh, twoDays].sort());
    expect(report.keptBytes).toBe(200);
  });

  it("keeps over-budget entries when all of them were used in the last day", async () => {
    const a = await entry(HOUR);
    const b = await entry(2 * HOUR);
    await trim(dir, policy({ maxSizeBytes: 50 }), NOW);
    expect(await listFiles(dir)).toEqual([a, b].sort());
  });

  it("keeps an entry another process used after the walk listed it (its mtime moved), removing the rest", async () => {
    // Doomed in this order: the two expired ones (walk order), then `used`, over the size budget.
    const expired = [await entry(6 * DAY), await entry(7 * DAY)];
    const used = await entry(3 * DAY);
    const fresh = await entry(HOUR);
    fsHooks.beforeUnlink = async (first) => {
      // An expired entry, renamed aside before its unlink (evict.ts says why).
      expect(first.startsWith(join(dirname(expired[0]!), ".tmp-"))).toBe(true);
      // A hit in another process (DiskTier.markUsed) while this trim is between its walk and its unlinks.
      await utimes(used, NOW / 1000, NOW / 1000);
    };
    await trim(dir, policy({ maxAgeMs: 5 * DAY, maxSizeBytes: 150 }), NOW);
    expect(fsHooks.beforeUnlink).toBeUndefined(); // the hook ran
    expect(await listFiles(dir)).toEqual([used, fresh].sort());
    expect((await stat(used)).mtimeMs).toBe(NOW);
  });

  it("trims at most once per interval, recorded in a stamp file shared by all processes", async () => {
    // A directory's first session only starts the interval: it walks nothing, removes nothing.
    const expired = await entry(6 * DAY);
    expect(await trimIfDue(dir, policy({}), NOW)).toBeUndefined();
    expect((await stat(join(dir, "trim.txt"))).mtimeMs).toBe(NOW);
    expect(await listFiles(dir)).toContain(expired);

    expect(await trimIfDue(dir, policy({}), NOW + 2 * HOUR)).toMatchObject({ removedFiles: 1 });
    expect(await listFiles(dir)).not.toContain(expired);

    const laterExpired = await entry(7 * DAY);
    expect(await trimIfDue(dir, policy({}), NOW + 2 * HOUR + 30 * 60_000)).toBeUndefined();
    expect(await listFiles(dir)).toContain(laterExpired);

    expect(await trimIfDue(dir, policy({}), NOW + 4 * HOUR)).toMatchObject({ removedFiles: 1 });
    expect(await listFiles(dir)).not.toContain(laterExpired);
  });

  it("does nothing (and creates nothing) when the cache directory does not exist yet", async () => {
    const missing = join(dir, "never-created");
    expect(await trimIfDue(missing, policy({}), NOW)).toBeUndefined();
    expect(await listFiles(dir)).toEqual([]);
  });
});
