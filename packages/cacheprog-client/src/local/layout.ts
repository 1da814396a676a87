import { renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * File names inside the cache directory, shared by the local tier and eviction. Temp files are
 * writeFileAtomic's, named with @gocacheprog/common's TEMP_FILE_PREFIX.
 */
export const ACTION_SUFFIX = "-a";
export const OUTPUT_SUFFIX = "-d";
export const TRIM_STAMP = "trim.txt";
export const SHARD_NAME = /^[0-9a-f]{2}$/;
export const CACHE_FILE_NAME = /^[0-9a-f]{64}-[ad]$/;

/**
 * Writes the trim stamp (the start of a trim interval, shared by every process on the directory);
 * false when the directory does not exist.
 */
export function stampTrim(dir: string, now: number): boolean {
  const path = join(dir, TRIM_STAMP);
  try {
    writeFileSync(path, `${new Date(now).toISOString()}\n`);
    utimesSync(path, now / 1000, now / 1000);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * Whether the directory is due for a trim: one synchronous stat of the stamp. A directory without a
 * stamp has never seen a session end (each end writes one): what it holds is this session's, newer
 * than evict.ts's 24 h guard, so nothing is due unless only killed sessions used it for over a day.
 * Its first interval starts now (the stamp is written), without the walk, which go would wait for at
 * a fresh runner's first close: loading the trim module and a stat of every entry, ~140 ms for std's
 * 1,851 files on a CI VM. At worst the first trim comes one interval later.
 */
export function trimDue(dir: string, intervalMs: number, now: number): boolean {
  const stamp = statSync(join(dir, TRIM_STAMP), { throwIfNoEntry: false });
  if (!stamp) {
    stampTrim(dir, now);
    return false;
  }
  return stampDue(stamp.mtimeMs, intervalMs, now);
}

/**
 * A stamp far in the future was written by a clock that ran ahead (a VM before NTP, a shared mount):
 * waiting for that date would stop trimming for as long, so it counts as due, as go's own Trim does.
 */
const FUTURE_STAMP_MS = 3600_000;

function stampDue(stampMs: number, intervalMs: number, now: number): boolean {
  const age = now - stampMs;
  return age >= intervalMs || age < -FUTURE_STAMP_MS;
}

/**
 * Claims a due interval for this process before its slow walk, so that sessions ending together do
 * not all trim: the stamp is renamed aside (of processes trying at once, one rename succeeds and the
 * others find no stamp), checked to be due still (not a stamp a claim just wrote), then written anew.
 * false when another process has it, or the directory is gone.
 */
export function claimTrim(dir: string, intervalMs: number, now: number): boolean {
  const path = join(dir, TRIM_STAMP);
  const claimed = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    renameSync(path, claimed);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  if (!stampDue(statSync(claimed).mtimeMs, intervalMs, now)) {
    renameSync(claimed, path);
    return false;
  }
  rmSync(claimed, { force: true });
  return stampTrim(dir, now);
}
