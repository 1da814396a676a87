import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type TrimPolicy, trimIfDue } from "../../src/local/evict.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse("2025-06-01T12:00:00Z");
const policy: TrimPolicy = { maxAgeMs: 5 * DAY, maxSizeBytes: 0, intervalMs: HOUR };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gcp-trim-stamp-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it("a trim stamp left in the future (a clock that was wrong once) does not stop trimming for good", async () => {
  // Written once by a process whose clock was a year ahead (go's own Trim guards against this: d > -mtimeInterval).
  const future = (NOW + 365 * DAY) / 1000;
  await writeFile(join(dir, "trim.txt"), "x\n");
  await utimes(join(dir, "trim.txt"), future, future);
  const hex = "ab".repeat(32);
  const expired = join(dir, "ab", `${hex}-d`);
  await mkdir(join(dir, "ab"));
  await writeFile(expired, Buffer.alloc(10));
  await utimes(expired, (NOW - 30 * DAY) / 1000, (NOW - 30 * DAY) / 1000);
  // A month of sessions with the clock right again, one every two hours: not one trims.
  let trims = 0;
  for (let t = NOW; t < NOW + 30 * DAY; t += 2 * HOUR) if (await trimIfDue(dir, policy, t)) trims++;
  expect(trims).toBeGreaterThan(0);
  await expect(stat(expired)).rejects.toMatchObject({ code: "ENOENT" });
});
