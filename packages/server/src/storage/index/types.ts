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
  /** Records a hit for eviction by last access; callers throttle it, implementations may too. */
  touch(namespace: string, actionHex: string, atMs: number): Promise<void>;
  delete(namespace: string, actionHex: string): Promise<void>;
  /** Every record, for eviction and garbage collection. */
  scan(): AsyncIterable<IndexEntry>;
  /**
   * Whether the index is known to hold every record whose copy is in the blob store (marked after a
   * full rebuild). A flushed Redis loses the mark with the data, so misses fall back to the record
   * copies until a rebuild marks it again, and a complete index answers misses without touching S3.
   */
  isComplete(): Promise<boolean>;
  markComplete(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
