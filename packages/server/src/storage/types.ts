/**
 * The cache core talks to storage only through these two interfaces. Every implementation runs the
 * same contract suite (packages/server/test/contract/*), so the embedded default and S3 + Redis
 * cannot drift apart.
 */

/** Thrown by BlobStore.put when the body's size or sha256 differs from what the caller declared. */
export class IntegrityError extends Error {
  override name = "IntegrityError";
}

/** Thrown by a backend that could not answer in time or at all; the core maps it to a miss or 503. */
export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
}

export interface BlobListing {
  key: string;
  size: number;
  lastModified: Date;
}

export interface BlobStore {
  readonly kind: "filesystem" | "s3";
  /**
   * Streams the body to `key`. The key only ever becomes visible holding bytes whose length is
   * `expect.size` and whose sha256 is `expect.sha256Hex`; otherwise this rejects with
   * IntegrityError and nothing is stored (temp file + rename, or multipart aborted before complete).
   */
  put(key: string, body: AsyncIterable<Uint8Array>, expect: { size: number; sha256Hex: string }): Promise<void>;
  /** null when absent. The caller must consume or destroy `body`. */
  get(key: string): Promise<{ body: AsyncIterable<Uint8Array> & { destroy?(): void }; size: number } | null>;
  /** Whole small object in memory (action records); null when absent. */
  getBytes(key: string): Promise<Buffer | null>;
  head(key: string): Promise<{ size: number; lastModified: Date } | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<BlobListing>;
  /** Readiness probe: resolves when the backend answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the index keeps per ActionID; encoded with msgpackr by storage/record.ts (versioned). */
export interface ActionRecord {
  outputId: Buffer;
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
