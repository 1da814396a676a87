import { link, lstat, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { TEMP_FILE_PREFIX, tempPathFor } from "@gocacheprog/common";
import { CACHE_FILE_NAME, claimTrim, SHARD_NAME, trimDue } from "./layout.ts";

/**
 * go never trims a cacheprog directory, so the client does: at exit, at most once per interval
 * across every process sharing the directory (a stamp file's mtime records the last trim).
 */
export interface TrimPolicy {
  /** Entries unused (mtime) for longer than this are removed. */
  maxAgeMs: number;
  /** Total bytes to keep at most; least recently used go first. 0 = no budget. */
  maxSizeBytes: number;
  intervalMs: number;
}

/** cmd/go's rule of thumb: never delete what another process may have just been handed. */
export const RECENT_USE_GUARD_MS = 24 * 3600_000;

export interface TrimReport {
  removedFiles: number;
  removedBytes: number;
  keptFiles: number;
  keptBytes: number;
}

interface Entry {
  path: string;
  size: number;
  mtimeMs: number;
  temp: boolean;
}

/** Costs one stat when the interval has not elapsed (trimDue). Returns undefined when no trim ran. */
export async function trimIfDue(dir: string, policy: TrimPolicy, now = Date.now()): Promise<TrimReport | undefined> {
  if (!trimDue(dir, policy.intervalMs, now)) return undefined;
  return claimAndTrim(dir, policy, now);
}

/**
 * The trim once trimDue said it is due (DiskTier.close asks trimDue itself, before it loads this
 * module). The interval is claimed before the slow walk, so concurrent exits do not all trim at once:
 * undefined when another process claimed it first.
 */
export async function claimAndTrim(dir: string, policy: TrimPolicy, now: number): Promise<TrimReport | undefined> {
  if (!claimTrim(dir, policy.intervalMs, now)) return undefined;
  return trim(dir, policy, now);
}

export async function trim(dir: string, policy: TrimPolicy, now = Date.now()): Promise<TrimReport> {
  const entries = await listEntries(dir);
  const guardCutoff = now - RECENT_USE_GUARD_MS;
  const ageCutoff = Math.min(now - policy.maxAgeMs, guardCutoff);
  const doomed: Entry[] = [];
  const kept: Entry[] = [];
  for (const entry of entries) {
    // Temp files belong to a writer that is still running, or to one that crashed long ago.
    const cutoff = entry.temp ? guardCutoff : ageCutoff;
    (entry.mtimeMs < cutoff ? doomed : kept).push(entry);
  }
  let keptBytes = kept.reduce((sum, e) => sum + e.size, 0);
  let keptFiles = kept.length;
  if (policy.maxSizeBytes > 0 && keptBytes > policy.maxSizeBytes) {
    const evictable = kept.filter((e) => e.mtimeMs < guardCutoff).sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const entry of evictable) {
      if (keptBytes <= policy.maxSizeBytes) break;
      doomed.push(entry);
      keptFiles--;
      keptBytes -= entry.size;
    }
  }
  let removedBytes = 0;
  let removedFiles = 0;
  for (const entry of doomed) {
    try {
      // The walk took minutes on a large directory: another process sharing it may have handed this
      // entry to go since (a hit refreshes its mtime). Such an entry stays, as in go's own trim.
      const current = await lstat(entry.path);
      if (current.mtimeMs !== entry.mtimeMs) {
        keptFiles++;
        keptBytes += entry.size;
        continue;
      }
      // Renamed aside before the last look, so that a hit in another process cannot slip in between
      // that look and the unlink: one that refreshed it before the rename is seen here and the entry
      // goes back; one after finds it gone (DiskTier.markUsed fails) and answers a miss, never a
      // DiskPath about to vanish. An aside left by a crash is an old temp file: the next trim's.
      const aside = tempPathFor(entry.path);
      await rename(entry.path, aside);
      if ((await lstat(aside)).mtimeMs !== entry.mtimeMs) {
        await putBack(aside, entry.path);
        keptFiles++;
        keptBytes += entry.size;
        continue;
      }
      await unlink(aside);
      removedFiles++;
      removedBytes += entry.size;
    } catch (err) {
      // Another process trimming at the same time got there first.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return { removedFiles, removedBytes, keptFiles, keptBytes };
}

/** Links the entry back (a put since has its own file there: that one stays), then drops the aside name. */
async function putBack(aside: string, path: string): Promise<void> {
  await link(aside, path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  await unlink(aside);
}

async function listEntries(dir: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  let shards: string[];
  try {
    shards = (await readdir(dir)).filter((name) => SHARD_NAME.test(name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return entries;
    throw err;
  }
  for (const shard of shards) {
    const shardDir = join(dir, shard);
    const names = await readdir(shardDir).catch(() => [] as string[]);
    for (const name of names) {
      const temp = name.startsWith(TEMP_FILE_PREFIX);
      if (!temp && !CACHE_FILE_NAME.test(name)) continue;
      const path = join(shardDir, name);
      const info = await lstat(path).catch(() => undefined);
      if (info?.isFile()) entries.push({ path, size: info.size, mtimeMs: info.mtimeMs, temp });
    }
  }
  return entries;
}
