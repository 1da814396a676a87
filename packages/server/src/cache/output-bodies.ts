import { createHash } from "node:crypto";
import { youngCollector } from "@gocacheprog/common/garbage";
import { decompressOutput, type ZstdCodec, ZstdFormatError, ZstdStreamDecoder } from "@gocacheprog/common/zstd";
import type { BlobBody, BlobStore, VersionedBytes } from "../storage/blob/types.ts";
import { type BodyCheck, BodyVerifier } from "../storage/blob/verify.ts";
import { IntegrityError } from "../storage/errors.ts";

/**
 * The streams of cache/outputs.ts (its only importer): every byte of an output that comes in or goes
 * out passes one of these, and each checks size and sha256 against the OutputID with BodyVerifier
 * (for the compressed form: of the bytes it decodes to, with ZstdVerifier).
 */

/**
 * Output bytes pass through buffers that die a moment later (socket chunks, file reads, the stream's
 * writes). Left to V8 they passed its external memory limit and started full collections: a warm-start
 * stream of std (~90 MB of them) ran 6, each marking the whole heap. A young collection every 16 MiB
 * (@gocacheprog/common/garbage) frees them young: server CPU per std stream, 6 interleaved runs of 3
 * streams each, 0.38-0.58 s (median 0.49) -> 0.25-0.38 s (median 0.26). Uploads and streams report
 * the bytes they are done with here.
 */
export const bytesPassed: (bytes: number) => void = youngCollector(16 * 1024 * 1024);

/** What a body must be: its length and its sha256 (the OutputID). */
export type Expect = { size: number; sha256Hex: string };

/**
 * Wraps an upload so that a client disconnect or an over-long body surfaces as IntegrityError
 * (400, nothing stored) rather than as a storage failure.
 */
export async function* guardUpload(source: AsyncIterable<Uint8Array>, declaredSize: number): AsyncGenerator<Uint8Array> {
  let received = 0;
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    let step: IteratorResult<Uint8Array>;
    try {
      step = await iterator.next();
    } catch (err) {
      throw new IntegrityError(`upload ended early after ${received} of ${declaredSize} bytes: ${(err as Error).message}`);
    }
    if (step.done) return;
    received += step.value.byteLength;
    bytesPassed(step.value.byteLength);
    if (received > declaredSize) {
      await iterator.return?.();
      throw new IntegrityError(`body is longer than the declared ${declaredSize} bytes`);
    }
    yield step.value;
  }
}

/** Checks bytes already in memory (a small blob read whole). */
export function verifyBytes(data: Uint8Array, check: Expect | BodyCheck): void {
  const verifier = "update" in check ? check : new BodyVerifier(check);
  verifier.update(data);
  verifier.finish();
}

/**
 * Checks our zstd form: decodes it frame by frame (bounded memory; a bomb stops at the declared size)
 * and the decoded bytes must be the output. Any failure is an IntegrityError, as for plain bytes.
 */
export class ZstdVerifier implements BodyCheck {
  /** Compressed bytes seen so far. */
  stored = 0;
  private readonly decoder: ZstdStreamDecoder;
  private readonly plain: BodyVerifier;

  constructor(codec: ZstdCodec, expect: Expect) {
    this.decoder = new ZstdStreamDecoder(codec, expect.size);
    this.plain = new BodyVerifier(expect);
  }

  update(chunk: Uint8Array): void {
    for (const _ of this.decodeEach(chunk, false));
  }

  /**
   * update() for a reader that cannot take the compressed form: yields each frame's decoded bytes (a
   * copy: the codec reuses its buffer) only when asked for the next, so a small chunk holding many
   * frames of zeros is never decoded whole into memory.
   */
  *decodeEach(chunk: Uint8Array, keep = true): Generator<Buffer> {
    this.stored += chunk.byteLength;
    try {
      for (const frame of this.decoder.frames(chunk)) {
        this.plain.update(frame);
        if (keep) yield Buffer.from(frame);
      }
    } catch (err) {
      throw integrityError(err);
    }
  }

  finish(): void {
    try {
      this.decoder.end();
    } catch (err) {
      throw integrityError(err);
    }
    this.plain.finish();
  }
}

/**
 * Our zstd form held in memory, decoded straight into one buffer of the output's size and checked
 * against the output (IntegrityError otherwise).
 */
export function decodeVerified(codec: ZstdCodec, stored: Uint8Array, expect: Expect): Buffer {
  const output = asIntegrity(() => decompressOutput(codec, stored, expect.size));
  verifyBytes(output, expect);
  return output;
}

/**
 * Every compressed blob ends with a zstd skippable frame (decoders pass over it) holding the sha256
 * of the bytes before it. A reader that passes the stored form on (a client that decodes and checks
 * it itself) then proves the blob intact by hashing its compressed bytes, without decoding them.
 */
const TRAILER_MAGIC = 0x184d2a5c;
export const DIGEST_TRAILER_BYTES = 40;

/** Our zstd upload checked while it passes (ZstdVerifier), then the digest trailer; throws before the end on a mismatch. */
export async function* withDigestTrailer(upload: AsyncIterable<Uint8Array>, verifier: ZstdVerifier): AsyncGenerator<Uint8Array> {
  const hash = createHash("sha256");
  for await (const chunk of upload) {
    verifier.update(chunk);
    hash.update(chunk);
    yield chunk;
  }
  verifier.finish();
  const trailer = Buffer.alloc(DIGEST_TRAILER_BYTES);
  trailer.writeUInt32LE(TRAILER_MAGIC, 0);
  trailer.writeUInt32LE(32, 4);
  hash.digest().copy(trailer, 8);
  yield trailer;
}

/** Checks a stored compressed blob against its digest trailer. */
export class TrailerVerifier implements BodyCheck {
  private readonly hash = createHash("sha256");
  private tail = Buffer.alloc(0);

  /** Hashes all but the last DIGEST_TRAILER_BYTES seen so far; only those few bytes are ever copied (not each chunk). */
  update(chunk: Uint8Array): void {
    if (chunk.byteLength < DIGEST_TRAILER_BYTES) {
      const joined = Buffer.concat([this.tail, chunk]);
      const cut = Math.max(0, joined.length - DIGEST_TRAILER_BYTES);
      this.hash.update(joined.subarray(0, cut));
      this.tail = joined.subarray(cut);
      return;
    }
    this.hash.update(this.tail);
    this.hash.update(chunk.subarray(0, chunk.byteLength - DIGEST_TRAILER_BYTES));
    this.tail = Buffer.from(chunk.subarray(chunk.byteLength - DIGEST_TRAILER_BYTES));
  }

  finish(): void {
    const { tail } = this;
    if (tail.length !== DIGEST_TRAILER_BYTES || tail.readUInt32LE(0) !== TRAILER_MAGIC || tail.readUInt32LE(4) !== 32)
      throw new IntegrityError("compressed blob lacks its digest trailer");
    if (!this.hash.digest().equals(tail.subarray(8))) throw new IntegrityError("compressed blob does not match its sha256 trailer");
  }
}

/** Counts what a store writes, for a body its generator checks itself (withDigestTrailer). */
export class ByteCounter implements BodyCheck {
  stored = 0;
  update(chunk: Uint8Array): void {
    this.stored += chunk.byteLength;
  }
  finish(): void {}
}

function asIntegrity<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw integrityError(err);
  }
}

/** Bytes that are not our compressed form are a body that does not match: IntegrityError. */
function integrityError(err: unknown): unknown {
  return err instanceof ZstdFormatError ? new IntegrityError(err.message) : err;
}

/** Reads a body fully, checking it (inline outputs, small blobs). */
export async function readVerified(source: AsyncIterable<Uint8Array>, check: Expect | BodyCheck): Promise<Buffer> {
  const verifier = "update" in check ? check : new BodyVerifier(check);
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) {
    verifier.update(chunk);
    chunks.push(chunk);
  }
  verifier.finish();
  return Buffer.concat(chunks);
}

/** Consumes a body only to prove it matches (dedup: the output is already stored). */
export async function drainVerified(source: AsyncIterable<Uint8Array>, check: Expect | BodyCheck): Promise<void> {
  const verifier = "update" in check ? check : new BodyVerifier(check);
  for await (const chunk of source) verifier.update(chunk);
  verifier.finish();
}

/** A body passed on while it is checked; destroy() closes its source, whether or not it was ever read. */
export type CheckedStream = AsyncGenerator<Uint8Array> & { destroy(): void };

/**
 * Passes a stored blob through while checking it. The last piece is held back until the check is
 * done: on a mismatch onCorrupt is called and the stream throws before the final bytes go out, so
 * the response ends short of its Content-Length and no client can mistake it for a complete body.
 * With `decoding`, what goes out is what it decodes (the output, for a reader that cannot take the
 * compressed form), one frame at a time, instead of the stored bytes.
 */
export function verifyWhileStreaming(
  source: BlobBody,
  check: Expect | BodyCheck,
  onCorrupt: (reason: string) => void,
  decoding?: ZstdVerifier,
): CheckedStream {
  const stream = checked(source, decoding ?? ("update" in check ? check : new BodyVerifier(check)), onCorrupt, decoding !== undefined);
  // A generator never started runs no finally: a reader that gives up before the first byte (a
  // prefetch stream cut at its announce) would leave the file or S3 response open.
  return Object.assign(stream, { destroy: () => source.destroy?.() });
}

async function* checked(source: BlobBody, verifier: BodyCheck, onCorrupt: (reason: string) => void, decode: boolean) {
  let held: Uint8Array | undefined;
  try {
    for await (const chunk of source) {
      if (chunk.byteLength === 0) continue;
      const pieces = decode ? (verifier as ZstdVerifier).decodeEach(chunk) : passOn(verifier, chunk);
      for (const piece of pieces) {
        if (held) yield held;
        held = piece;
      }
    }
    verifier.finish();
  } catch (err) {
    if (err instanceof IntegrityError) onCorrupt(err.message);
    throw err;
  } finally {
    source.destroy?.();
  }
  if (held) yield held;
}

function passOn(verifier: BodyCheck, chunk: Uint8Array): Uint8Array[] {
  verifier.update(chunk);
  return [chunk];
}

/**
 * Blobs whose bytes were proved to match their OutputID, by key, at the store's version of them
 * (BlobStore.getVersioned). Read again at the same version they are the same bytes, so they are
 * not hashed again: sha256 of a 1 MiB output costs about as much server CPU as the rest of its
 * hit. Any change to the object changes its version and brings the check back; a restart forgets
 * everything. Bounded: the oldest proof goes first.
 */
export class VerifiedVersions {
  private readonly proved = new Map<string, string>();

  constructor(private readonly max = 16_384) {}

  has(key: string, version: string | undefined): boolean {
    return version !== undefined && this.proved.get(key) === version;
  }

  add(key: string, version: string | undefined): void {
    if (version === undefined) return;
    this.proved.delete(key);
    this.proved.set(key, version);
    if (this.proved.size > this.max) this.proved.delete(this.proved.keys().next().value!);
  }

  forget(key: string): void {
    this.proved.delete(key);
  }

  /** Runs `check` (throws on a mismatch) unless these bytes were proved before; remembers them once it passes. */
  check(key: string, got: VersionedBytes, check: () => void): void {
    if (this.has(key, got.version)) return;
    check();
    this.add(key, got.version);
  }
}

/** A blob read whole, with its version where the store tells it (else every read is checked). */
export async function readWhole(blobs: BlobStore, key: string, signal: AbortSignal): Promise<VersionedBytes | null> {
  if (blobs.getVersioned) return blobs.getVersioned(key, { signal });
  const data = await blobs.getBytes(key, { signal });
  return data && { data, version: undefined };
}
