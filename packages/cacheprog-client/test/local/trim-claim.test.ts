import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { claimAndTrim, type TrimPolicy, trimIfDue } from "../../src/local/evict.ts";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse("2025-06-01T12:00:00Z");
const policy: TrimPolicy = { maxAgeMs: 5 * DAY, maxSizeBytes: 0, intervalMs: HOUR };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gcp-trim-claim-"));
  // The last trim was 2 hours ago: a trim is due.
  await writeFile(join(dir, "trim.txt"), "x\n");
  await utimes(join(dir, "trim.txt"), (NOW - 2 * HOUR) / 1000, (NOW - 2 * HOUR) / 1000);
  const hex = "ab".repeat(32);
  await mkdir(join(dir, "ab"));
  await writeFile(join(dir, "ab", `${hex}-d`), Buffer.alloc(10));
  await utimes(join(dir, "ab", `${hex}-d`), (NOW - 6 * DAY) / 1000, (NOW - 6 * DAY) / 1000);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("claimAndTrim: a second process that saw the trim due, after the first claimed it, gets undefined", async () => {
  expect(await claimAndTrim(dir, policy, NOW)).toBeDefined(); // process A claims the interval
  // Process B checked trimDue just before A wrote the stamp; its claim must lose.
  expect(await claimAndTrim(dir, policy, NOW + 10)).toBeUndefined();
});

it("two clients closing at once on one directory trim it once, not twice", async () => {
  const lines: string[] = [];
  const log = createLogger("info", (line) => lines.push(line));
  const tier = () => new DiskTier({ dir, log, now: () => NOW, trim: policy });
  await Promise.all([tier().close(), tier().close()]);
  expect(lines.filter((l) => l.includes("trimmed"))).toHaveLength(1);
});

it("a trim stamp left in the future (a clock that was wrong once) does not stop trimming for good", async () => {
  // Written once by a process whose clock was a year ahead (go's own Trim guards against this: d > -mtimeInterval).
  const future = (NOW + 365 * DAY) / 1000;
  await utimes(join(dir, "trim.txt"), future, future);
  // A month of sessions with the clock right again, one every two hours.
  let trims = 0;
  for (let t = NOW; t < NOW + 30 * DAY; t += 2 * HOUR) if (await trimIfDue(dir, policy, t)) trims++;
  expect(trims).toBeGreaterThan(0);
  await expect(stat(join(dir, "ab", `${"ab".repeat(32)}-d`))).rejects.toMatchObject({ code: "ENOENT" });
});
