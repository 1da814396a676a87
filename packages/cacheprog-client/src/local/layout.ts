/**
 * File names inside the cache directory, shared by the local tier and eviction. Temp files are
 * writeFileAtomic's, named with @gocacheprog/common's TEMP_FILE_PREFIX.
 */
export const ACTION_SUFFIX = "-a";
export const OUTPUT_SUFFIX = "-d";
export const TRIM_STAMP = "trim.txt";
export const SHARD_NAME = /^[0-9a-f]{2}$/;
export const CACHE_FILE_NAME = /^[0-9a-f]{64}-[ad]$/;
