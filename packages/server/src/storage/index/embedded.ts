import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { open, type RootDatabase } from "lmdb";
import { embeddedIndexKey, parseEmbeddedIndexKey } from "../keys.ts";
import { encodeRecord, tryDecodeRecord } from "./record-codec.ts";
import type { ActionRecord, Index, IndexEntry } from "./types.ts";

/** Not a valid `<namespace>/<actionHex>` key, so scan() never mistakes it for a record. */
const COMPLETE_KEY = "!complete";

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
    const keys = actionHexes.map((hex) => embeddedIndexKey(namespace, hex));
    const values = await this.db.getMany(keys);
    return values.map((bytes) => (bytes === undefined ? null : tryDecodeRecord(bytes)));
  }

  async set(namespace: string, actionHex: string, record: ActionRecord): Promise<void> {
    await this.db.put(embeddedIndexKey(namespace, actionHex), encodeRecord(record));
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
    await this.db.remove(embeddedIndexKey(namespace, actionHex));
  }

  /** Pages through the keys so no read transaction stays open while the consumer works. */
  async *scan(): AsyncIterable<IndexEntry> {
    let after: string | undefined;
    for (;;) {
      const page = [...this.db.getRange({ ...(after === undefined ? {} : { start: after }), limit: SCAN_PAGE + 1 })];
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

  async ping(): Promise<void> {
    this.db.get("");
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
