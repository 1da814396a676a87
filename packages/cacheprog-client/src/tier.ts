/**
 * The seam between the protocol loop and storage. The local tier (local/tier.ts) implements it; the
 * remote tier (remote/tier.ts) wraps a local tier (remote read on a local miss, write-behind upload
 * after a local put) and is itself a CacheTier, so the loop never knows which tiers exist.
 */

/** Which tier answered a hit; stats count them separately. */
export type HitSource = "local" | "remote";

export interface Hit {
  hit: true;
  /** The full 32-byte OutputID of the original put. */
  outputId: Buffer;
  size: number;
  /** Absolute path of a regular file (no extension) holding exactly the output bytes. */
  diskPath: string;
  /** When the entry was put; go's test cache expiry (`go clean -testcache`) compares against it. */
  putTime: Date;
  source: HitSource;
}

export interface Miss {
  hit: false;
}

export interface PutOptions {
  /** The original put time when storing an entry fetched from elsewhere (default: now). */
  putTime?: Date;
}

export interface PutResult {
  diskPath: string;
}

export interface CacheTier {
  /** A missing, unreadable-as-entry or wrong-size entry resolves to a Miss; only real I/O failures reject. */
  get(actionId: Buffer): Promise<Hit | Miss>;
  /** Rejects with IntegrityError (nothing stored) if sha256(body) is not outputId. */
  put(actionId: Buffer, outputId: Buffer, body: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /** Flush pending work (uploads, eviction). Called once, after every request has been answered. */
  close(): Promise<void>;
}

export const MISS: Miss = Object.freeze({ hit: false });

export class IntegrityError extends Error {
  override name = "IntegrityError";
}
