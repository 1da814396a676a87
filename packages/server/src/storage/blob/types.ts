import type { BlobExpect } from "./verify.ts";

/**
 * The cache talks to blob storage only through this interface. Every implementation (and the unit
 * tests' fake) runs the same contract suite (packages/server/test/storage/blob/), so the filesystem
 * default and S3 cannot drift apart.
 */

export interface BlobListing {
  key: string;
  size: number;
  lastModified: Date;
}

/** Bytes already in memory as a body for put(). */
export async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A stored object's bytes as they stream out; whoever receives one must consume or destroy it. */
export type BlobBody = AsyncIterable<Uint8Array> & { destroy?(): void };

/**
 * An object read whole, with its version: two reads of one key with the same version returned the
 * same unchanged bytes, so what a caller proved about the first (its sha256) holds for the second.
 * version is undefined when the store cannot vouch for that (yet).
 */
export interface VersionedBytes {
  data: Buffer;
  version: string | undefined;
}

export interface ReadOptions {
  signal?: AbortSignal;
}

export interface BlobStore {
  readonly kind: "filesystem" | "s3";
  /**
   * Streams the body to `key`. The key only ever becomes visible holding bytes whose length is
   * `expect.size` and whose sha256 is `expect.sha256Hex`; otherwise this rejects with
   * IntegrityError and nothing is stored (temp file + rename, or multipart aborted before complete).
   * `expect` may instead be a BodyCheck, which sees every byte and may refuse the body the same way.
   */
  put(key: string, body: AsyncIterable<Uint8Array>, expect: BlobExpect): Promise<void>;
  /**
   * null when absent. The caller must consume or destroy `body`. Reads take an optional signal: when
   * it fires the read is cancelled (rejects), so a caller past its deadline frees the backend.
   */
  get(key: string, options?: ReadOptions): Promise<{ body: BlobBody; size: number } | null>;
  /** Whole small object in memory (action records); null when absent. */
  getBytes(key: string, options?: ReadOptions): Promise<Buffer | null>;
  /** getBytes() with the object's version (see VersionedBytes). Optional: without it every read is checked anew. */
  getVersioned?(key: string, options?: ReadOptions): Promise<VersionedBytes | null>;
  head(key: string, options?: ReadOptions): Promise<{ size: number; lastModified: Date } | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<BlobListing>;
  /**
   * Removes what uploads that never finished left behind (a crash or kill -9 mid-put: temp files,
   * incomplete multipart uploads) when started before `olderThan`, so they neither fill the store
   * nor escape the size budget. Optional: a store that can leave nothing behind has nothing to do.
   */
  removeLeftovers?(olderThan: Date): Promise<{ removed: number; bytes: number }>;
  /** Readiness probe: resolves when the backend answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
