import type { BlobBody } from "../storage/blob/types.ts";
import { BodyVerifier } from "../storage/blob/verify.ts";
import { IntegrityError } from "../storage/errors.ts";

/**
 * The streams of cache/outputs.ts (its only importer): every byte of an output that comes in or goes
 * out passes one of these, and each checks size and sha256 against the OutputID with BodyVerifier.
 */

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
    if (received > declaredSize) {
      await iterator.return?.();
      throw new IntegrityError(`body is longer than the declared ${declaredSize} bytes`);
    }
    yield step.value;
  }
}

/** Checks bytes already in memory (a small blob read whole). */
export function verifyBytes(data: Uint8Array, expect: Expect): void {
  const verifier = new BodyVerifier(expect);
  verifier.update(data);
  verifier.finish();
}

/** Reads a body of known size fully, checking size and sha256 (inline outputs, small blobs). */
export async function readVerified(source: AsyncIterable<Uint8Array>, expect: Expect): Promise<Buffer> {
  const verifier = new BodyVerifier(expect);
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) {
    verifier.update(chunk);
    chunks.push(chunk);
  }
  verifier.finish();
  return Buffer.concat(chunks, expect.size);
}

/** Consumes a body only to prove it matches (dedup: the output is already stored). */
export async function drainVerified(source: AsyncIterable<Uint8Array>, expect: Expect): Promise<void> {
  const verifier = new BodyVerifier(expect);
  for await (const chunk of source) verifier.update(chunk);
  verifier.finish();
}

/**
 * Passes a stored blob through while hashing it. The last chunk is held back until the digest is
 * known: on a mismatch onCorrupt is called and the stream throws before the final bytes go out, so
 * the response ends short of its Content-Length and no client can mistake it for a complete body.
 */
export async function* verifyWhileStreaming(
  source: BlobBody,
  expect: Expect,
  onCorrupt: (reason: string) => void,
): AsyncGenerator<Uint8Array> {
  const verifier = new BodyVerifier(expect);
  let held: Uint8Array | undefined;
  try {
    for await (const chunk of source) {
      if (chunk.byteLength === 0) continue;
      if (held) yield held;
      verifier.update(chunk);
      held = chunk;
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
