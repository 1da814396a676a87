import type { BlobStore } from "../storage/blob/types.ts";
import type { Index } from "../storage/index/types.ts";
import { outputBlobKey } from "./output-lifetime.ts";
import { deleteRecordCopy, readRecordCopy } from "./records.ts";
import type { StorageCalls } from "./storage-calls.ts";
import type { Usage } from "./usage.ts";

export interface RemoveDeps {
  blobs: BlobStore;
  index: Index;
  calls: StorageCalls;
  usage: Usage;
}

export interface RemoveOptions {
  /**
   * Delete the entry's output blob now, not when gc next finds nothing refers to it. Only for an output
   * no other entry can share: blobs are content-addressed, and another entry whose blob vanished under
   * it turns into a miss.
   */
  output: boolean;
}

/**
 * Removes one entry on request (the module proxy's purge), as gc evicts one: the record copy first,
 * since gc puts a copy the index lacks back into the index; then the index entry, whose delete takes
 * the entry and the bytes the record holds itself off the usage counters. A blob deleted here is taken
 * off them too; one left behind is counted until gc deletes it (it takes no budget meanwhile: gc
 * counts no unreferenced blob). Index and blob store failures reject (BackendUnavailableError past
 * the deadline): a purge that did not happen must not look done. true when there was an entry, in the
 * index or only as a record copy (which a lookup would have put back).
 */
export async function removeEntry(deps: RemoveDeps, ns: string, actionHex: string, options: RemoveOptions): Promise<boolean> {
  const { blobs, index, calls, usage } = deps;
  const indexed = await calls.index("get", () => index.get(ns, actionHex));
  const record = indexed ?? (await calls.blob("readRecordCopy", (signal) => readRecordCopy(blobs, ns, actionHex, signal)));
  if (!record) return false;
  await calls.blob("deleteRecordCopy", () => deleteRecordCopy(blobs, ns, actionHex));
  // Even when the index had no entry: a lookup or rebuild may have restored one from the copy since
  // (records.ts, restoreRecord, which relies on this delete coming after the copy's).
  await calls.index("delete", () => index.delete(ns, actionHex));
  const key = options.output ? outputBlobKey(ns, record) : null;
  if (key) {
    const held = await calls.blob("head", (signal) => blobs.head(key, { signal }));
    if (held) {
      await calls.blob("delete", () => blobs.delete(key));
      await usage.add(ns, { entries: 0, bytes: -held.size });
    }
  }
  return true;
}
