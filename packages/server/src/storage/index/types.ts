/**
 * The cache talks to its index only through this interface. Every implementation (and the unit
 * tests' fake) runs the same contract suite (packages/server/test/storage/index/), so the embedded
 * default and Redis cannot drift apart.
 */

/**
 * What the index keeps per ActionID; encoded by record-codec.ts (versioned). The output fields
 * (outputId, size, inline) are written and read only by cache/outputs.ts, so a new way of keeping
 * outputs (a codec, a stored size) grows here, in the codec and in that module.
 */
export interface ActionRecord {
  outputId: Buffer;
  /** Logical size of the output: what go wrote and what a hit sends. */
  size: number;
  putTimeMs: number;
  lastAccessMs: number;
  /** The output bytes themselves when size <= the inline threshold (a hit touches no blob store). */
  inline?: Buffer;
  /** How the output is kept (inline bytes or blob): absent = raw, "zstd" = our compressed form. */
  codec?: "zstd";
}

/**
 * What one namespace holds: its entries (action records) and the bytes its outputs occupy in storage
 * (output blobs plus outputs kept inside records; record copies are not counted). Stored bytes, not
 * logical ones: with compression they are what the disk or bucket really holds.
 */
export interface NamespaceUsage {
  entries: number;
  bytes: number;
}

export interface IndexEntry {
  namespace: string;
  actionHex: string;
  record: ActionRecord;
}

export interface Index {
  readonly kind: "embedded" | "redis";
  get(namespace: string, actionHex: string): Promise<ActionRecord | null>;
  getMany(namespace: string, actionHexes: readonly string[]): Promise<(ActionRecord | null)[]>;
  set(namespace: string, actionHex: string, record: ActionRecord): Promise<void>;
  /**
   * set() only when the index holds no record for the action, in one step; true when it set it. A
   * record put back from its blob copy (a rebuild, a lazy fill) thus never replaces one a put wrote
   * after that copy was read.
   */
  setIfAbsent(namespace: string, actionHex: string, record: ActionRecord): Promise<boolean>;
  /** Records a hit for eviction by last access; callers throttle it, implementations may too. */
  touch(namespace: string, actionHex: string, atMs: number): Promise<void>;
  delete(namespace: string, actionHex: string): Promise<void>;
  /** Every record (of one namespace when given), for eviction and garbage collection. */
  scan(namespace?: string): AsyncIterable<IndexEntry>;
  /**
   * Usage counters per namespace (namespaces whose counters are both 0 may be left out). set() and
   * delete() keep `entries` and the bytes records hold themselves (inlineBytes) current as they
   * write; blob bytes arrive through addUsage(), and gc adds its corrections the same way, so the
   * counters are exact after a gc pass and close between passes (a crash between a write and its
   * counter update, or an output shared by two puts racing, drifts them until the next pass).
   */
  usage(): Promise<Map<string, NamespaceUsage>>;
  /** Adds to one namespace's counters (negative to subtract). */
  addUsage(namespace: string, delta: NamespaceUsage): Promise<void>;
  /**
   * Whether the index is known to hold every record whose copy is in the blob store (marked after a
   * full rebuild). A flushed Redis loses the mark with the data, so misses fall back to the record
   * copies until a rebuild marks it again, and a complete index answers misses without touching S3.
   */
  isComplete(): Promise<boolean>;
  /**
   * A build key's recent manifests (warm start), as the opaque bytes cache/manifests.ts encodes;
   * null when there are none. Kept apart from records: scan() and usage() never see them.
   */
  getManifests(namespace: string, buildKeyHex: string): Promise<Buffer | null>;
  /** Replaces them; null removes them. */
  setManifests(namespace: string, buildKeyHex: string, value: Buffer | null): Promise<void>;
  /**
   * setManifests() only while they still are `expected` (null: none), in one step: false, changing
   * nothing, when another writer (a replica, a concurrent session of the same key) got there first,
   * so a read-modify-write of a key's manifests never drops another writer's.
   */
  swapManifests(namespace: string, buildKeyHex: string, expected: Buffer | null, value: Buffer | null): Promise<boolean>;
  markComplete(): Promise<void>;
  /**
   * A lease shared by every process on this index (replicas on one Redis, processes on one lmdb
   * directory): true when `holder` has `name` for the next ttlMs (taken, or renewed because it
   * already had it), false while another holder has it. Optional: an index without leases (a test
   * fake) runs every pass unguarded.
   */
  lease?(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back, only while `holder` still has it. */
  releaseLease?(name: string, holder: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
