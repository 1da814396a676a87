import { createHash } from "node:crypto";
import type { ServerMetrics } from "./ops/metrics.ts";
import { BackendUnavailableError, IntegrityError } from "./storage/errors.ts";

export type BlobBody = AsyncIterable<Uint8Array> & { destroy?(): void };

/**
 * Runs one backend call with a deadline and records its latency. A call that outlives the deadline
 * is abandoned, not cancelled (the SDKs offer no uniform way), so a stream it opens late is destroyed
 * here instead of leaking a socket or file descriptor.
 */
export async function timed<T>(
  metrics: ServerMetrics,
  timeoutMs: number,
  backend: "blob" | "index",
  op: string,
  call: () => Promise<T>,
): Promise<T> {
  const end = metrics.backendSeconds.startTimer({ backend, op });
  let timer: NodeJS.Timeout | undefined;
  const pending = call();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendUnavailableError(`${backend} ${op} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const value = await Promise.race([pending, deadline]);
    end({ outcome: "ok" });
    return value;
  } catch (err) {
    end({ outcome: err instanceof BackendUnavailableError ? "unavailable" : "error" });
    pending.then(destroyLateStream, () => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function destroyLateStream(value: unknown): void {
  const body = (value as { body?: BlobBody } | null)?.body;
  body?.destroy?.();
}

/**
 * Wraps an upload so that a client disconnect or an over-long body surfaces as IntegrityError
 * (400, nothing stored) rather than as a backend failure.
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

/** Reads a body of known maximum size fully, checking size and sha256 (inline outputs, small blobs). */
export async function readVerified(source: AsyncIterable<Uint8Array>, size: number, sha256Hex: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of source) {
    received += chunk.byteLength;
    if (received > size) throw new IntegrityError(`body is longer than the declared ${size} bytes`);
    chunks.push(chunk);
  }
  const data = Buffer.concat(chunks, received);
  checkDigest(data.byteLength, createHash("sha256").update(data).digest("hex"), size, sha256Hex);
  return data;
}

/** Consumes a body only to prove it matches (dedup: the output is already stored). */
export async function drainVerified(source: AsyncIterable<Uint8Array>, size: number, sha256Hex: string): Promise<void> {
  const hash = createHash("sha256");
  let received = 0;
  for await (const chunk of source) {
    received += chunk.byteLength;
    hash.update(chunk);
  }
  checkDigest(received, hash.digest("hex"), size, sha256Hex);
}

/**
 * Passes a stored blob through while hashing it. The last chunk is held back until the digest is
 * known: on a mismatch onCorrupt is called and the stream throws before the final bytes go out, so
 * the response ends short of its Content-Length and no client can mistake it for a complete body.
 */
export async function* verifyWhileStreaming(
  source: BlobBody,
  size: number,
  sha256Hex: string,
  onCorrupt: (reason: string) => void,
): AsyncGenerator<Uint8Array> {
  const hash = createHash("sha256");
  let sent = 0;
  let held: Uint8Array | undefined;
  try {
    for await (const chunk of source) {
      if (chunk.byteLength === 0) continue;
      if (held) yield held;
      sent += chunk.byteLength;
      hash.update(chunk);
      held = chunk;
    }
  } finally {
    source.destroy?.();
  }
  try {
    checkDigest(sent, hash.digest("hex"), size, sha256Hex);
  } catch (err) {
    onCorrupt((err as Error).message);
    throw err;
  }
  if (held) yield held;
}

export function checkDigest(actualSize: number, actualSha: string, size: number, sha256Hex: string): void {
  if (actualSize !== size) throw new IntegrityError(`body has ${actualSize} bytes, expected ${size}`);
  if (actualSha !== sha256Hex) throw new IntegrityError(`body sha256 is ${actualSha}, expected ${sha256Hex}`);
}
