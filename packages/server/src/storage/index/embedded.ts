import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { open, type RootDatabase } from "lmdb";
import { assertNamespace, embeddedIndexKey, embeddedManifestKey, parseEmbeddedIndexKey } from "../keys.ts";
import { encodeRecord, inlineBytes, tryDecodeRecord } from "./record-codec.ts";
import type { ActionRecord, Index, IndexEntry, NamespaceUsage } from "./types.ts";

/** Not a valid `<namespace>/<actionHex>` key, so scan() never mistakes it for a record. */
const COMPLETE_KEY = "!complete";
/** `!usage/<ns>` = JSON {entries, bytes}; '!' sorts before every namespace, so these never mix with records. */
const USAGE_PREFIX = "!usage/";
/** `!lease/<name>` = JSON {holder, untilMs}; outside the usage range and never a record key. */
const LEASE_PREFIX = "!lease/";

export interface EmbeddedIndexOptions {
  /** lmdb environment directory, e.g. `<dataDir>/index`; created when missing. */
  path: string;
}

const SCAN_PAGE = 1000;

/**
 * The embedded default index: lmdb in one local directory. Reads are synchronous memory-mapped
 * lookups; writes are batched into transactions by lmdb and are on disk when their promise resolves,
 * so the index survives a restart with no external service.
 */
export class EmbeddedIndex implements Index {
  readonly kind = "embedded" as const;

  private constructor(private readonly db: RootDatabase<Buffer, string>) {}

  static async open(options: EmbeddedIndexOptions): Promise<EmbeddedIndex> {
    await mkdir(dirname(options.path), { recursive: true });
    return new EmbeddedIndex(open<Buffer, string>({ path: options.path, encoding: "binary", compression: false }));
  }

  async get(namespace: string, actionHex: string): Promise<ActionRecord | null> {
    const bytes = this.db.get(embeddedIndexKey(namespace, actionHex));
    return bytes === undefined ? null : tryDecodeRecord(bytes);
  }

  async getMany(namespace: string, actionHexes: readonly string[]): Promise<(ActionRecord | null)[]> {
    // Synchronous reads of the memory map, like get(): lmdb's getMany reads in a callback after an async
    // prefetch, which throws an uncaught error if the store was closed in between (a shutdown mid-batch).
    return actionHexes.map((hex) => {
      const bytes = this.db.get(embeddedIndexKey(namespace, hex));
      return bytes === undefined ? null : tryDecodeRecord(bytes);
    });
  }

  /** The record and its namespace's usage counters change in one write transaction. */
  async set(namespace: string, actionHex: string, record: ActionRecord): Promise<void> {
    const key = embeddedIndexKey(namespace, actionHex);
    const bytes = encodeRecord(record);
    await this.db.transaction(() => {
      const old = this.db.get(key);
      const oldRecord = old === undefined ? null : tryDecodeRecord(old);
      this.db.put(key, bytes);
      this.bump(namespace, { entries: old === undefined ? 1 : 0, bytes: inlineBytes(record) - (oldRecord ? inlineBytes(oldRecord) : 0) });
    });
  }

  async setIfAbsent(namespace: string, actionHex: string, record: ActionRecord): Promise<boolean> {
    const key = embeddedIndexKey(namespace, actionHex);
    const bytes = encodeRecord(record);
    return this.db.transaction(() => {
      if (this.db.get(key) !== undefined) return false;
      this.db.put(key, bytes);
      this.bump(namespace, { entries: 1, bytes: inlineBytes(record) });
      return true;
    });
  }

  async touch(namespace: string, actionHex: string, atMs: number): Promise<void> {
    const key = embeddedIndexKey(namespace, actionHex);
    // Read-modify-write inside one write transaction, so a concurrent set() is never overwritten
    // with the old record and a concurrent delete() is never undone.
    await this.db.transaction(() => {
      const bytes = this.db.get(key);
      const record = bytes === undefined ? null : tryDecodeRecord(bytes);
      if (record === null || record.lastAccessMs >= atMs) return;
      this.db.put(key, encodeRecord({ ...record, lastAccessMs: atMs }));
    });
  }

  async delete(namespace: string, actionHex: string): Promise<void> {
    const key = embeddedIndexKey(namespace, actionHex);
    await this.db.transaction(() => {
      const old = this.db.get(key);
      if (old === undefined) return;
      const oldRecord = tryDecodeRecord(old);
      this.db.remove(key);
      this.bump(namespace, { entries: -1, bytes: oldRecord ? -inlineBytes(oldRecord) : 0 });
    });
  }

  async usage(): Promise<Map<string, NamespaceUsage>> {
    const usage = new Map<string, NamespaceUsage>();
    for (const { key, value } of this.db.getRange({ start: USAGE_PREFIX, end: `${USAGE_PREFIX}\uffff` })) {
      const counted = decodeUsage(value);
      if (counted.entries !== 0 || counted.bytes !== 0) usage.set(key.slice(USAGE_PREFIX.length), counted);
    }
    return usage;
  }

  async addUsage(namespace: string, delta: NamespaceUsage): Promise<void> {
    assertNamespace(namespace);
    await this.db.transaction(() => this.bump(namespace, delta));
  }

  /** Inside a write transaction only. */
  private bump(namespace: string, delta: NamespaceUsage): void {
    if (delta.entries === 0 && delta.bytes === 0) return;
    const key = USAGE_PREFIX + namespace;
    const current = decodeUsage(this.db.get(key));
    const next = { entries: current.entries + delta.entries, bytes: current.bytes + delta.bytes };
    this.db.put(key, Buffer.from(JSON.stringify(next)));
  }

  /** Pages through the keys so no read transaction stays open while the consumer works. */
  async *scan(namespace?: string): AsyncIterable<IndexEntry> {
    // `<ns>/` up to `<ns>0` ('0' follows '/') is exactly one namespace's records.
    const range = namespace === undefined ? {} : { end: `${assertNamespace(namespace)}0` };
    let after = namespace === undefined ? undefined : `${namespace}/`;
    for (;;) {
      const page = [...this.db.getRange({ ...range, ...(after === undefined ? {} : { start: after }), limit: SCAN_PAGE + 1 })];
      let yielded = 0;
      for (const { key, value } of page) {
        if (key === after) continue;
        after = key;
        yielded++;
        const id = parseEmbeddedIndexKey(key);
        const record = id === null ? null : tryDecodeRecord(value);
        if (id !== null && record !== null) yield { ...id, record };
      }
      if (yielded === 0) return;
    }
  }

  async isComplete(): Promise<boolean> {
    return this.db.get(COMPLETE_KEY) !== undefined;
  }

  async markComplete(): Promise<void> {
    await this.db.put(COMPLETE_KEY, Buffer.from("1"));
  }

  /** In one write transaction: lmdb serialises them across every process that opened the directory. */
  async lease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const key = LEASE_PREFIX + name;
    return this.db.transaction(() => {
      const current = decodeLease(this.db.get(key));
      if (current && current.holder !== holder && current.untilMs > Date.now()) return false;
      this.db.put(key, Buffer.from(JSON.stringify({ holder, untilMs: Date.now() + ttlMs })));
      return true;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    const key = LEASE_PREFIX + name;
    await this.db.transaction(() => {
      if (decodeLease(this.db.get(key))?.holder === holder) this.db.remove(key);
    });
  }

  async getManifests(namespace: string, buildKeyHex: string): Promise<Buffer | null> {
    const bytes = this.db.get(embeddedManifestKey(namespace, buildKeyHex));
    return bytes === undefined ? null : Buffer.from(bytes);
  }

  async setManifests(namespace: string, buildKeyHex: string, value: Buffer | null): Promise<void> {
    const key = embeddedManifestKey(namespace, buildKeyHex);
    if (value === null) await this.db.remove(key);
    else await this.db.put(key, value);
  }

  async swapManifests(namespace: string, buildKeyHex: string, expected: Buffer | null, value: Buffer | null): Promise<boolean> {
    const key = embeddedManifestKey(namespace, buildKeyHex);
    return this.db.transaction(() => {
      if (!sameBytes(this.db.get(key), expected)) return false;
      if (value === null) this.db.remove(key);
      else this.db.put(key, value);
      return true;
    });
  }

  async ping(): Promise<void> {
    this.db.get("");
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function sameBytes(current: Buffer | undefined, expected: Buffer | null): boolean {
  return current === undefined ? expected === null : expected !== null && Buffer.compare(current, expected) === 0;
}

function decodeLease(value: Buffer | undefined): { holder: string; untilMs: number } | null {
  if (value === undefined) return null;
  try {
    const parsed = JSON.parse(value.toString("utf8")) as { holder?: unknown; untilMs?: unknown };
    return { holder: String(parsed.holder), untilMs: Number(parsed.untilMs) || 0 };
  } catch {
    return null;
  }
}

function decodeUsage(value: Buffer | undefined): NamespaceUsage {
  if (value === undefined) return { entries: 0, bytes: 0 };
  try {
    const parsed = JSON.parse(value.toString("utf8")) as Partial<NamespaceUsage>;
    return { entries: Number(parsed.entries) || 0, bytes: Number(parsed.bytes) || 0 };
  } catch {
    return { entries: 0, bytes: 0 };
  }
}
