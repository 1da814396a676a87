import { randomBytes } from "node:crypto";
import { compressOutput, loadZstd, ZSTD_FRAME_MAX, type ZstdCodec } from "@gocacheprog/common/zstd";
import { describe, expect, it } from "vitest";
import { TrailerVerifier, verifyWhileStreaming, withDigestTrailer, ZstdVerifier } from "../../src/cache/output-bodies.ts";
import { IntegrityError } from "../../src/storage/errors.ts";
import { sha256Hex } from "../support/fakes.ts";

/** A compressed blob as the server stores it: the client's frames, then the digest trailer. */
async function storedBlob(): Promise<Buffer> {
  const codec = await loadZstd();
  const raw = Buffer.concat([randomBytes(50_000), Buffer.alloc(200_000, 3)]);
  const frames = await compressOutput(codec, raw);
  const out: Uint8Array[] = [];
  async function* upload() {
    yield frames;
  }
  for await (const piece of withDigestTrailer(upload(), new ZstdVerifier(codec, { size: raw.length, sha256Hex: sha256Hex(raw) })))
    out.push(piece);
  return Buffer.concat(out);
}

function check(blob: Buffer, chunk: number): void {
  const verifier = new TrailerVerifier();
  for (let at = 0; at < blob.length; at += chunk) verifier.update(blob.subarray(at, at + chunk));
  verifier.finish();
}

describe("TrailerVerifier", () => {
  it("proves a stored blob intact whatever the read chunks, and refuses one changed byte or a cut trailer", async () => {
    const blob = await storedBlob();
    for (const chunk of [1, 7, 39, 40, 41, 65_536, blob.length]) expect(() => check(blob, chunk)).not.toThrow();
    for (const at of [10, blob.length - 20]) {
      const damaged = Buffer.from(blob);
      damaged[at]! ^= 1;
      for (const chunk of [13, 65_536]) expect(() => check(damaged, chunk)).toThrow(IntegrityError);
    }
    expect(() => check(blob.subarray(0, blob.length - 1), 4096)).toThrow(IntegrityError);
  });
});

/** A codec that counts the frames it decodes. */
async function countingCodec(): Promise<ZstdCodec & { decoded: number }> {
  const codec = await loadZstd();
  const counting = {
    kind: codec.kind,
    decoded: 0,
    compressFrame: (raw: Uint8Array) => codec.compressFrame(raw),
    decodeFrame(frame: Uint8Array, contentSize: number) {
      counting.decoded++;
      return codec.decodeFrame(frame, contentSize);
    },
  };
  return counting;
}

/** A stored body as one chunk, with a destroy() that records it was called. */
function oneChunkBody(data: Buffer) {
  const body = {
    destroyed: 0,
    async *[Symbol.asyncIterator]() {
      yield data;
    },
    destroy() {
      body.destroyed++;
    },
  };
  return body;
}

describe("verifyWhileStreaming", () => {
  it("decodes for a reader that cannot take zstd one frame at a time: one small chunk of many frames of zeros is never decoded whole", async () => {
    const codec = await countingCodec();
    const frames = 16;
    const zeros = await codec.compressFrame(Buffer.alloc(ZSTD_FRAME_MAX));
    const stored = Buffer.concat(Array.from({ length: frames }, () => zeros));
    expect(stored.length).toBeLessThan(64 * 1024);
    const raw = Buffer.alloc(frames * ZSTD_FRAME_MAX);
    const want = { size: raw.length, sha256Hex: sha256Hex(raw) };
    const onCorrupt = () => {};

    const cut = verifyWhileStreaming(oneChunkBody(stored), want, onCorrupt, new ZstdVerifier(codec, want));
    const first = await cut.next();
    expect(first.done).toBe(false);
    expect((first.value as Uint8Array).byteLength).toBe(ZSTD_FRAME_MAX);
    // The first piece goes out once the next frame is decoded (the last one is held back for the check).
    expect(codec.decoded).toBeLessThanOrEqual(2);
    await cut.return(undefined);
    expect(codec.decoded).toBeLessThanOrEqual(2);

    codec.decoded = 0;
    const pieces: Uint8Array[] = [];
    for await (const piece of verifyWhileStreaming(oneChunkBody(stored), want, onCorrupt, new ZstdVerifier(codec, want)))
      pieces.push(piece);
    expect(codec.decoded).toBe(frames);
    expect(pieces.length).toBe(frames);
    expect(Buffer.concat(pieces).equals(raw)).toBe(true);
  });

  it("checks every frame it hands on: a body decoding to other bytes than the output never ends complete", async () => {
    const codec = await countingCodec();
    const zeros = await codec.compressFrame(Buffer.alloc(ZSTD_FRAME_MAX));
    const stored = Buffer.concat([zeros, zeros, zeros]);
    const other = Buffer.alloc(3 * ZSTD_FRAME_MAX, 1);
    const want = { size: other.length, sha256Hex: sha256Hex(other) };
    const reasons: string[] = [];
    const pieces: Uint8Array[] = [];
    const read = async () => {
      for await (const piece of verifyWhileStreaming(oneChunkBody(stored), want, (r) => reasons.push(r), new ZstdVerifier(codec, want)))
        pieces.push(piece);
    };
    await expect(read()).rejects.toThrow(IntegrityError);
    expect(reasons).toHaveLength(1);
    expect(Buffer.concat(pieces).length).toBeLessThan(other.length);
  });

  it("closes its source on destroy() even when it was never read (a prefetch stream cut before the entry)", () => {
    const body = oneChunkBody(Buffer.from("never read"));
    const stream = verifyWhileStreaming(body, { size: 10, sha256Hex: sha256Hex(Buffer.from("never read")) }, () => {});
    stream.destroy();
    expect(body.destroyed).toBe(1);
  });
});
