import { statSync, utimesSync, writeFileSync } from "node:fs";
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
  return now - stamp.mtimeMs >= intervalMs;
}
