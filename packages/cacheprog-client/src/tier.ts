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
  /**
   * Optional synchronous get for what a tier can answer without waiting (the local tier: a few file
   * calls on a local disk); undefined sends the request down get(). The protocol loop answers such a
   * get inside the read event, with no promise per request.
   */
  getNow?(actionId: Buffer): Hit | Miss | undefined;
  /** Rejects with IntegrityError (nothing stored) if sha256(body) is not outputId. */
  put(actionId: Buffer, outputId: Buffer, body: PutBody, options?: PutOptions): Promise<PutResult>;
  /** Flush pending work (uploads, eviction). Called once, after every request has been answered. */
  close(): Promise<void>;
}

/**
 * Where an output's bytes go when they arrive from elsewhere (a remote reply, a prefetch stream, a
 * decompressor): written to a temp file next to their final place while being hashed, so no output
 * is ever held whole in memory. Only a verified finish makes the entry visible; anything else
 * leaves nothing behind.
 *
 * The calls are synchronous on purpose: on a local disk one write of a network-sized chunk into the
 * page cache costs less than an async round trip through the thread pool, and the caller's stream
 * keeps its own back-pressure.
 */
export interface OutputSink {
  /** Bytes accepted so far. */
  readonly written: number;
  /** Up to the first 8 bytes written (enough to tell a package archive by its magic). */
  readonly head: Buffer;
  /** Appends a chunk. Past the declared size it discards everything and throws IntegrityError. */
  write(chunk: Uint8Array): void;
  /**
   * Checks the length and the sha256 against the declared size and OutputID, moves the file into
   * place and records the action. Throws IntegrityError, with nothing left on disk, on a mismatch.
   */
  finish(): Hit;
  /** Discards what was written. Safe to call twice, and after finish (then it does nothing). */
  abort(): void;
}

/** The local tier: a CacheTier that can also take an output in pieces (see DiskTier.ingest). */
export interface LocalTier extends CacheTier {
  ingest(actionId: Buffer, outputId: Buffer, size: number, putTime: Date): OutputSink;
}

/** A tier that answers every request at once (the local tier alone): the protocol can block on go's pipes. */
export interface ImmediateTier extends CacheTier {
  getNow(actionId: Buffer): Hit | Miss;
  /** put() done at once; throws where put() rejects. */
  putNow(actionId: Buffer, outputId: Buffer, body: PutBody, options?: PutOptions): PutResult;
}

/**
 * A put's body: its bytes, or, for one too large to hold, the local tier's sink the protocol reader
 * already wrote and hashed them into (protocol/spool.ts). The local tier finishes that sink (verify,
 * rename into place, record, with the put time it was opened with), so the bytes are never in memory.
 */
export type PutBody = Uint8Array | OutputSink;

export function putBodySize(body: PutBody): number {
  return body instanceof Uint8Array ? body.length : body.written;
}

export const MISS: Miss = Object.freeze({ hit: false });

/** The last instant go's JSON decoder reads back (RFC 3339: four-digit years). */
const GO_TIME_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Whether a put time from elsewhere (the server, a record on disk) can go to go: an instant in the
 * years 1970-9999. Any other fails go's whole build ("parsing time"), so such an entry is a miss.
 */
export function isGoPutTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= GO_TIME_MAX_MS;
}

export class IntegrityError extends Error {
  override name = "IntegrityError";
}
