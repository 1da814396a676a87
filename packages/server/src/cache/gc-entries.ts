import type { ActionRecord, NamespaceUsage } from "../storage/index/types.ts";
import { parseOutputKey } from "../storage/keys.ts";
import { bytesInRecord, outputBlobKey } from "./output-lifetime.ts";
import { plus } from "./usage.ts";

/** What gc and a full rebuild know of an index entry: its output blob, or the bytes its record holds. */
export interface Entry {
  namespace: string;
  actionHex: string;
  /** null for inline and empty outputs, which have no blob. */
  outputKey: string | null;
  /** For entries without a blob: the output bytes the record holds (their share of the size budget). */
  size: number;
  lastAccessMs: number;
}

interface NamespaceGroup {
  entries: Entry[];
  /** Output blobs plus inline bytes. */
  bytes: number;
  /** Of those, outputs to be deleted as orphans. */
  orphanBytes: number;
}

export function groupByNamespace(
  entries: Iterable<Entry>,
  outputs: ReadonlyMap<string, { size: number; lastModifiedMs: number }>,
  unreferenced: (key: string) => boolean,
): Map<string, NamespaceGroup> {
  const groups = new Map<string, NamespaceGroup>();
  const group = (namespace: string) => {
    const found = groups.get(namespace) ?? { entries: [], bytes: 0, orphanBytes: 0 };
    groups.set(namespace, found);
    return found;
  };
  for (const entry of entries) {
    const g = group(entry.namespace);
    g.entries.push(entry);
    if (!entry.outputKey) g.bytes += entry.size;
  }
  for (const [key, output] of outputs) {
    const g = group(parseOutputKey(key)!.namespace);
    g.bytes += output.size;
    if (unreferenced(key)) g.orphanBytes += output.size;
  }
  return groups;
}

/** What storage holds per namespace: entries in the index, output blobs plus inline bytes. */
export function exactUsage(entries: Iterable<Entry>, outputs: ReadonlyMap<string, { size: number }>): Map<string, NamespaceUsage> {
  const usage = new Map<string, NamespaceUsage>();
  const add = (namespace: string, delta: NamespaceUsage) =>
    usage.set(namespace, plus(usage.get(namespace) ?? { entries: 0, bytes: 0 }, delta));
  for (const entry of entries) add(entry.namespace, { entries: 1, bytes: entry.outputKey ? 0 : entry.size });
  for (const [key, output] of outputs) add(parseOutputKey(key)!.namespace, { entries: 0, bytes: output.size });
  return usage;
}

export function toEntry(namespace: string, actionHex: string, record: ActionRecord): Entry {
  const key = outputBlobKey(namespace, record);
  return { namespace, actionHex, outputKey: key, size: key ? record.size : bytesInRecord(record), lastAccessMs: record.lastAccessMs };
}
