import { utimesSync, writeFileSync } from "node:fs";
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
