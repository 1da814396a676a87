import type { BodyCheck } from "./verify.ts";

/**
 * Cuts a body into parts of exactly `partSize` bytes (the last one shorter or equal), feeding every
 * byte through `verifier`. A part is marked `last` by reading one chunk ahead, so a body that fits
 * in one part is known to be complete before anything is sent anywhere.
 */
export async function* readParts(
  body: AsyncIterable<Uint8Array>,
  partSize: number,
  verifier: BodyCheck,
): AsyncGenerator<{ data: Buffer; last: boolean }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of body) {
    verifier.update(chunk);
    pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    pendingBytes += chunk.length;
    // Strictly more than a part buffered means this part is not the last one.
    while (pendingBytes > partSize) {
      const joined = Buffer.concat(pending, pendingBytes);
      yield { data: joined.subarray(0, partSize), last: false };
      pending = [joined.subarray(partSize)];
      pendingBytes -= partSize;
    }
  }
  verifier.finish();
  yield { data: Buffer.concat(pending, pendingBytes), last: true };
}
