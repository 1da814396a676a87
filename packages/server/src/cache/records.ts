import { sha256Hex } from "@gocacheprog/common";
import { type BlobStore, oneChunk } from "../storage/blob/types.ts";
import { encodeRecord, tryDecodeRecord } from "../storage/index/record-codec.ts";
import type { ActionRecord, Index } from "../storage/index/types.ts";
import {
  actionRecordKey,
  actionRecordsPrefix,
  manifestKey,
  manifestsPrefix,
  parseActionRecordKey,
  parseManifestKey,
  parseOutputKey,
} from "../storage/keys.ts";
import { type Entry, exactUsage, toEntry } from "./gc-entries.ts";
import { withMaintenanceLease } from "./lease.ts";
import { inPool } from "./pool.ts";
import { correctUsage } from "./usage.ts";

/**
 * Action records live twice: in the index (fast) and as a copy in the blob store next to the
 * outputs (durable), so a flushed or lost Redis loses no cache. These are the only helpers that
 * touch the copies.
 */

export async function writeRecordCopy(blobs: BlobStore, namespace: string, actionHex: string, record: ActionRecord): Promise<void> {
  const bytes = encodeRecord(record);
  await blobs.put(actionRecordKey(namespace, actionHex), oneChunk(bytes), { size: bytes.length, sha256Hex: sha256Hex(bytes) });
}

/**
 * A record copy as it goes back into the index; null when there is none or it cannot be decoded (a miss). The copy is written at put time only (reads since
 * touched the index alone), so it counts as read at `now`: restored with its put time, every entry
 * older than --max-age would go at the next gc after an index loss, however hot.
 */
export async function readRecordCopy(
  blobs: BlobStore,
  namespace: string,
  actionHex: string,
  signal?: AbortSignal,
  now = Date.now(),
): Promise<ActionRecord | null> {
  const bytes = await blobs.getBytes(actionRecordKey(namespace, actionHex), { signal });
  const record = bytes === null ? null : tryDecodeRecord(bytes);
  return record && { ...record, lastAccessMs: Math.max(record.lastAccessMs, now) };
}

/**
 * Puts a record read from its copy back into the index, unless the index has one again or the copy
 * went meanwhile. A put (or another restore) that wrote the index after the copy was read stands:
 * "present". A removal (gc's eviction, a module proxy purge) deletes the copy first and then the
 * index entry; a restore that read the copy before and writes the index after both would bring the
 * removed entry back for good. So the copy is checked after the write: either the check finds it gone
 * and the write is taken back ("removed"), or the removal's index delete comes after this write.
 */
export async function restoreRecord(
  blobs: BlobStore,
  index: Index,
  namespace: string,
  actionHex: string,
  record: ActionRecord,
  signal?: AbortSignal,
): Promise<"restored" | "present" | "removed"> {
  if (!(await index.setIfAbsent(namespace, actionHex, record))) return "present";
  if (await blobs.head(actionRecordKey(namespace, actionHex), { signal })) return "restored";
  await index.delete(namespace, actionHex);
  return "removed";
}

export async function deleteRecordCopy(blobs: BlobStore, namespace: string, actionHex: string): Promise<void> {
  await blobs.delete(actionRecordKey(namespace, actionHex));
}

export interface RebuildOptions {
  /** Only these namespaces (listing `<ns>/a/` and `<ns>/m/` each); default: list the whole store and pick out record copies. */
  namespaces?: readonly string[];
  /** Entries checked against the index per round trip. Default 256. */
  batchSize?: number;
  /**
   * Record copies read and restored at once. Default 16: each read is a blob-store round trip (an S3
   * GET), and each restore an index write, so one at a time a large store takes hours.
   */
  concurrency?: number;
  /** Stops the rebuild between copies (a shutdown): the lease goes back before the index is closed. */
  signal?: AbortSignal;
}

export interface RebuildResult {
  /** Record copies found in the blob store. */
  scanned: number;
  /** Written into the index because it had no entry. */
  restored: number;
  /** Left alone because the index already had them (its last access is newer than the copy's). */
  present: number;
  /** Copies that were unreadable or undecodable. */
  skipped: number;
  /** Build manifests (warm start) put back because the index had none for their key. */
  manifests: number;
  /** Set when nothing was done: another process was rebuilding (or collecting) this store. */
  busy?: true;
}

/**
 * Refills an index from the record copies in the blob store; entries the index still has win. A whole
 * rebuild recounts usage, so it takes the maintenance lease (cache/lease.ts): after a flushed Redis
 * every replica's next miss starts one, and one is enough.
 */
export async function rebuildIndex(blobs: BlobStore, index: Index, options: RebuildOptions = {}): Promise<RebuildResult> {
  if (options.namespaces) return rebuild(blobs, index, options);
  const result = await withMaintenanceLease(index, () => rebuild(blobs, index, options));
  return result ?? { scanned: 0, restored: 0, present: 0, skipped: 0, manifests: 0, busy: true };
}

async function rebuild(blobs: BlobStore, index: Index, options: RebuildOptions): Promise<RebuildResult> {
  const result: RebuildResult = { scanned: 0, restored: 0, present: 0, skipped: 0, manifests: 0 };
  const batchSize = options.batchSize ?? 256;
  const concurrency = options.concurrency ?? 16;
  const prefixes = options.namespaces ? options.namespaces.flatMap((ns) => [actionRecordsPrefix(ns), manifestsPrefix(ns)]) : [""];
  let batch: { namespace: string; actionHex: string }[] = [];

  const flush = async () => {
    // getMany is per namespace; a batch is cut whenever the namespace changes.
    const namespace = batch[0]?.namespace;
    if (namespace === undefined) return;
    const existing = await index.getMany(
      namespace,
      batch.map((entry) => entry.actionHex),
    );
    const missing = batch.filter((_, i) => existing[i] === null);
    result.present += batch.length - missing.length;
    batch = [];
    // A rebuild stops at the first failure, as the pass one copy at a time did: the other workers take
    // no more copies, and the failure is thrown only once those in flight are done, so the caller never
    // closes the index under a write still running.
    let failure: { err: unknown } | undefined;
    await inPool(missing, concurrency, async ({ actionHex }) => {
      if (failure || options.signal?.aborted) return;
      try {
        const record = await readRecordCopy(blobs, namespace, actionHex);
        if (record === null) return void result.skipped++;
        const outcome = await restoreRecord(blobs, index, namespace, actionHex, record);
        if (outcome === "restored") result.restored++;
        else if (outcome === "present") result.present++;
      } catch (err) {
        failure ??= { err };
      }
    });
    if (failure) throw failure.err;
    options.signal?.throwIfAborted();
  };

  // A whole rebuild also recounts usage: the index's counters went with it (a flushed Redis), and
  // restoring records puts back their entries and inline bytes, not the output blobs' bytes.
  const outputs = new Map<string, { size: number }>();
  for (const prefix of prefixes) {
    for await (const listing of blobs.list(prefix)) {
      options.signal?.throwIfAborted();
      if (!options.namespaces && parseOutputKey(listing.key)) outputs.set(listing.key, { size: listing.size });
      const manifest = parseManifestKey(listing.key);
      if (manifest) {
        if (await restoreManifests(blobs, index, manifest.namespace, manifest.buildKeyHex)) result.manifests++;
        continue;
      }
      const id = parseActionRecordKey(listing.key);
      if (id === null) continue;
      result.scanned++;
      if (batch.length > 0 && (batch.length >= batchSize || batch[0]!.namespace !== id.namespace)) await flush();
      batch.push(id);
    }
  }
  await flush();
  // Only a pass over every namespace proves the index whole.
  if (!options.namespaces) {
    // The counters as they are now, restores and concurrent writes included: a blob written since the
    // listing is left out of them until the next gc pass, the drift gc's own passes have.
    const recount = async () => {
      const counted = await index.usage();
      const entries: Entry[] = [];
      for await (const { namespace, actionHex, record } of index.scan()) entries.push(toEntry(namespace, actionHex, record));
      await correctUsage(index, counted, exactUsage(entries, outputs));
    };
    // Best effort: at a Redis maxmemory the counters cannot grow, and every gc pass recounts anyway.
    await recount().catch(() => {});
    await index.markComplete();
  }
  return result;
}

/** The blob copy of a build key's manifests into an index that has none for it; true when restored. */
async function restoreManifests(blobs: BlobStore, index: Index, namespace: string, buildKeyHex: string): Promise<boolean> {
  if ((await index.getManifests(namespace, buildKeyHex)) !== null) return false;
  const bytes = await blobs.getBytes(manifestKey(namespace, buildKeyHex));
  if (bytes === null) return false;
  // Only while the index still has none: a session's manifest added meanwhile already holds the copy's sessions.
  return index.swapManifests(namespace, buildKeyHex, null, bytes);
}
