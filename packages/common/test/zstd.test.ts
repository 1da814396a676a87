import { randomBytes } from "node:crypto";
import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  compressOutput,
  decompressOutput,
  loadZstd,
  maxCompressedSize,
  ZSTD_FRAME_MAX,
  ZstdFormatError,
  ZstdStreamDecoder,
} from "../src/zstd.ts";
import { type NodeZstd, nativeCodec } from "../src/zstd-native.ts";

/** Compressible bytes that are not trivially so (words with random numbers), like object code. */
function textLike(size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const word = `sym_${i % 977}_${(i * 7919) % 65_521} `;
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join("")).subarray(0, size);
}

async function decodeInChunks(stored: Buffer, size: number, chunk: number): Promise<Buffer> {
  const decoder = new ZstdStreamDecoder(await loadZstd(), size);
  const out: Buffer[] = [];
  // Each frame is copied out: the codec may reuse its buffer for the next one.
  for (let at = 0; at < stored.length; at += chunk) decoder.push(stored.subarray(at, at + chunk), (frame) => out.push(Buffer.from(frame)));
  decoder.end();
  return Buffer.concat(out);
}

describe("zstd stored form", () => {
  it("round-trips a multi-frame output fed in any chunk size, one frame per MiB", async () => {
    const codec = await loadZstd();
    const raw = textLike(2 * ZSTD_FRAME_MAX + 12_345);
    const stored = await compressOutput(codec, raw);
    expect(stored.length).toBeLessThan(raw.length / 2);
    for (const chunk of [1, 7, 65_536, stored.length]) expect((await decodeInChunks(stored, raw.length, chunk)).equals(raw)).toBe(true);
    expect(decompressOutput(codec, stored, raw.length).equals(raw)).toBe(true);
  });

  it("passes over small skippable frames (a digest trailer) and refuses large ones", async () => {
    const codec = await loadZstd();
    const raw = textLike(300_000);
    const skippable = (size: number) =>
      Buffer.concat([Buffer.from([0x5c, 0x2a, 0x4d, 0x18]), Buffer.from(new Uint32Array([size]).buffer), Buffer.alloc(size, 7)]);
    const stored = Buffer.concat([skippable(3), await compressOutput(codec, raw), skippable(40)]);
    expect((await decodeInChunks(stored, raw.length, 5)).equals(raw)).toBe(true);
    expect(() => decompressOutput(codec, Buffer.concat([stored, skippable(5000)]), raw.length)).toThrow(/skippable/);
  });

  it("refuses a bomb at the declared size, before decoding the frame that passes it", async () => {
    const codec = await loadZstd();
    const stored = await compressOutput(codec, Buffer.alloc(3 * ZSTD_FRAME_MAX));
    expect(stored.length).toBeLessThan(1024);
    const decoder = new ZstdStreamDecoder(codec, 100);
    let decoded = 0;
    const push = () =>
      decoder.push(stored, (frame) => {
        decoded += frame.length;
      });
    expect(push).toThrow(ZstdFormatError);
    expect(decoded).toBe(0);
  });

  it("refuses compressed bytes beyond maxCompressedSize(declared): a valid output padded with small skippable frames", async () => {
    const codec = await loadZstd();
    const raw = textLike(5000);
    const real = await compressOutput(codec, raw);
    /** Small skippable frames (each passed over on its own) taking exactly `bytes`. */
    const padding = (bytes: number) => {
      const frames: Buffer[] = [];
      for (let left = bytes; left > 0; ) {
        let take = Math.min(left, 8 + 1000);
        if (left - take > 0 && left - take < 8) take -= 8;
        const frame = Buffer.alloc(take);
        frame.writeUInt32LE(0x184d2a50, 0);
        frame.writeUInt32LE(take - 8, 4);
        frames.push(frame);
        left -= take;
      }
      return Buffer.concat(frames);
    };
    const atBound = Buffer.concat([real, padding(maxCompressedSize(raw.length) - real.length)]);
    expect(atBound.length).toBe(maxCompressedSize(raw.length));
    expect((await decodeInChunks(atBound, raw.length, 4096)).equals(raw)).toBe(true);

    const padded = Buffer.concat([real, padding(maxCompressedSize(raw.length) - real.length + 8)]);
    for (const chunk of [1, 4096, padded.length]) {
      await expect(decodeInChunks(padded, raw.length, chunk)).rejects.toThrow(ZstdFormatError);
      await expect(decodeInChunks(padded, raw.length, chunk)).rejects.toThrow(/padding/);
    }
    expect(() => decompressOutput(codec, padded, raw.length)).toThrow(ZstdFormatError);
    // Refused as soon as the bytes pass the bound, before anything of the chunk that passes it is decoded.
    const decoder = new ZstdStreamDecoder(codec, raw.length);
    let decoded = 0;
    expect(() =>
      decoder.push(padded, (frame) => {
        decoded += frame.length;
      }),
    ).toThrow(ZstdFormatError);
    expect(decoded).toBe(0);
  });

  it("refuses a stream that decodes short of the declared size, a truncated one, and garbage", async () => {
    const codec = await loadZstd();
    const raw = textLike(5000);
    const stored = await compressOutput(codec, raw);
    expect(() => decompressOutput(codec, stored, raw.length + 1)).toThrow(/declared/);
    expect(() => decompressOutput(codec, stored.subarray(0, stored.length - 3), raw.length)).toThrow(ZstdFormatError);
    expect(() => decompressOutput(codec, randomBytes(2000), 2000)).toThrow(ZstdFormatError);
  });

  it("refuses a frame whose compressed bytes were altered", async () => {
    const codec = await loadZstd();
    const raw = textLike(200_000);
    const stored = await compressOutput(codec, raw);
    const damaged = Buffer.from(stored);
    for (let i = 40; i < damaged.length - 8; i += 97) damaged[i]! ^= 0x5a;
    let decoded: Buffer | undefined;
    try {
      decoded = decompressOutput(codec, damaged, raw.length);
    } catch (err) {
      expect(err).toBeInstanceOf(ZstdFormatError);
    }
    // zstd frames carry no checksum by default: damage that still decodes must at least differ (the
    // callers compare sha256 against the OutputID).
    if (decoded) expect(decoded.equals(raw)).toBe(false);
  });

  it("decodes on after a frame that fails, and restart() begins the next output cleanly", async () => {
    const codec = await loadZstd();
    const small = textLike(1000);
    const frame = await codec.compressFrame(small);
    // A frame cut short leaves a decoder inside it: the next frame must not be read as its rest.
    expect(() => decompressOutput(codec, frame.subarray(0, frame.length - 10), small.length)).toThrow(ZstdFormatError);
    if (codec.kind === "node:zlib")
      expect(() => codec.decodeFrame(frame.subarray(0, frame.length - 10), small.length)).toThrow(ZstdFormatError);
    expect(codec.decodeFrame(frame, small.length).equals(small)).toBe(true);
    // One decoder for a stream of outputs: the first is cut off inside a frame, the next starts clean.
    const first = textLike(3 * ZSTD_FRAME_MAX);
    const second = textLike(70_000).reverse();
    const [a, b] = [await compressOutput(codec, first), await compressOutput(codec, second)];
    const decoder = new ZstdStreamDecoder(codec, first.length);
    decoder.push(a.subarray(0, a.length >> 1), () => {});
    decoder.restart(second.length);
    const out: Buffer[] = [];
    decoder.push(b, (decoded) => out.push(Buffer.from(decoded)));
    decoder.end();
    expect(Buffer.concat(out).equals(second)).toBe(true);
  });

  it("reuses one output buffer for every frame where node:zlib has zstd (the client and images' runtime)", async () => {
    const codec = await loadZstd();
    if (codec.kind === "wasm") return;
    // A Node whose zlib no longer has the parts it drives would silently fall back to a buffer per frame.
    const frames = [textLike(1000), textLike(ZSTD_FRAME_MAX)];
    const stored = await Promise.all(frames.map((raw) => codec.compressFrame(raw)));
    const views = stored.map((frame, i) => codec.decodeFrame(frame, frames[i]!.length));
    expect(views[0]!.buffer).toBe(views[1]!.buffer);
    expect(views[1]!.equals(frames[1]!)).toBe(true);
  });
});

/** The check loadZstd() makes: Node 20's node:zlib has no zstd, and these tests need node:zlib's. */
const zlibZstd = zlib as unknown as Partial<NodeZstd>;
const nodeHasZstd = typeof zlibZstd.zstdCompress === "function" && typeof zlibZstd.zstdDecompressSync === "function";

/** Where a frame header keeps its content size (our frames use no dictionary); the first block header follows it. */
function contentSizeField(frame: Buffer): { at: number; bytes: number } {
  const fhd = frame[4]!;
  const singleSegment = (fhd & 0x20) !== 0;
  return { at: singleSegment ? 5 : 6, bytes: [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6]! };
}

/**
 * node:zlib whose engine lacks one of the parts ReusedZstdDecoder drives, as a Node that reworks its zlib
 * internals would: the codec must decode with one zstdDecompressSync per frame. The counts tell a test
 * that this path ran (no test machine's Node lacks the parts, so nothing else reaches it).
 */
function withoutInternals(missing: "_handle" | "_writeState") {
  const real = zlib as unknown as NodeZstd;
  const calls = { opened: 0, closed: 0, perCall: 0 };
  const z: NodeZstd = {
    constants: real.constants,
    zstdCompress: (data, options, callback) => real.zstdCompress(data, options, callback),
    zstdDecompressSync: (data, options) => {
      calls.perCall++;
      return real.zstdDecompressSync(data, options);
    },
    createZstdDecompress: (options) => {
      calls.opened++;
      const engine = real.createZstdDecompress(options) as { _handle: unknown; _writeState: unknown; close(): void };
      const close = () => {
        calls.closed++;
        engine.close();
      };
      return missing === "_handle" ? { _writeState: engine._writeState, close } : { _handle: engine._handle, close };
    },
  };
  return { codec: nativeCodec(z), calls };
}

describe("zstd node:zlib codec on an engine without the internals it reuses (one decode per call)", () => {
  const missingParts = ["_handle", "_writeState"] as const;

  it.skipIf(!nodeHasZstd).each(missingParts)("decodes frame after frame to the original bytes (engine without %s)", async (missing) => {
    const { codec, calls } = withoutInternals(missing);
    expect(codec.kind).toBe("node:zlib");
    // The probe engine is closed, and no other is ever opened.
    expect(calls).toEqual({ opened: 1, closed: 1, perCall: 0 });
    const frames = [textLike(1000), textLike(ZSTD_FRAME_MAX), Buffer.alloc(0), randomBytes(ZSTD_FRAME_MAX), textLike(70_000).reverse()];
    const stored: Buffer[] = [];
    for (const raw of frames) stored.push(await codec.compressFrame(raw));
    // Each result is checked before the next call: the codec contract lets a decoder reuse its buffer.
    for (const [i, raw] of frames.entries()) {
      const decoded = codec.decodeFrame(stored[i]!, raw.length);
      expect(decoded.length).toBe(raw.length);
      expect(decoded.equals(raw)).toBe(true);
    }
    expect(calls.perCall).toBe(frames.length);
    // A whole multi-frame output through the stream decoder, as the client and server read one.
    const output = textLike(2 * ZSTD_FRAME_MAX + 12_345);
    expect(decompressOutput(codec, await compressOutput(codec, output), output.length).equals(output)).toBe(true);
    expect(calls).toEqual({ opened: 1, closed: 1, perCall: frames.length + 3 });
  });

  it.skipIf(!nodeHasZstd).each(missingParts)(
    "refuses a corrupt frame and one whose size is not the declared one as the reused path does, and decodes on (engine without %s)",
    async (missing) => {
      const { codec: fallback, calls } = withoutInternals(missing);
      const reused = nativeCodec(zlib as unknown as NodeZstd);
      const raw = textLike(5000);
      const frame = await reused.compressFrame(raw);
      const big = textLike(ZSTD_FRAME_MAX);
      const bigFrame = await reused.compressFrame(big);
      const { at, bytes } = contentSizeField(frame);
      expect(frame.readUIntLE(at, bytes) + (bytes === 2 ? 256 : 0)).toBe(raw.length);
      const altered = (change: (copy: Buffer) => void) => {
        const copy = Buffer.from(frame);
        change(copy);
        return copy;
      };
      const bad: [string, Buffer, number][] = [
        ["cut short", frame.subarray(0, frame.length - 10), raw.length],
        [
          "first block of the reserved type",
          altered((f) => {
            f[at + bytes]! |= 0x06;
          }),
          raw.length,
        ],
        ["not zstd", Buffer.from("not a zstd frame at all"), 23],
        // The size the stream decoder passes is the header's: libzstd holds the content to it.
        ["header declaring a byte more", altered((f) => f.writeUIntLE(f.readUIntLE(at, bytes) + 1, at, bytes)), raw.length + 1],
        ["header declaring a byte less", altered((f) => f.writeUIntLE(f.readUIntLE(at, bytes) - 1, at, bytes)), raw.length - 1],
        ["more content than the size passed", frame, raw.length - 1],
      ];
      for (const codec of [reused, fallback]) {
        for (const [what, input, size] of bad) {
          expect(() => codec.decodeFrame(input, size), `${codec === reused ? "reused" : "fallback"}: ${what}`).toThrow(ZstdFormatError);
          // The next good frame, small or of the largest size, decodes after the failure.
          expect(codec.decodeFrame(frame, raw.length).equals(raw)).toBe(true);
          expect(codec.decodeFrame(bigFrame, big.length).equals(big)).toBe(true);
        }
        // An output shorter than its declared size is refused by the stream decoder for either codec.
        expect(() => decompressOutput(codec, frame, raw.length + 1)).toThrow(ZstdFormatError);
        expect(decompressOutput(codec, frame, raw.length).equals(raw)).toBe(true);
      }
      expect(calls).toEqual({ opened: 1, closed: 1, perCall: bad.length * 3 + 2 });
    },
  );
});
