import { describe, expect, it } from "vitest";
import { encodeFrame, FrameSplitter, PrefetchFrame } from "../src/proto.ts";

const entry = (n: number) => encodeFrame({ entry: { actionId: Buffer.alloc(32, n), data: Buffer.alloc(n * 100, n), last: true } });

describe("length-delimited prefetch frames", () => {
  it("splits a stream cut at every possible place back into the same frames", () => {
    const frames = [encodeFrame({ announce: { entries: [{ actionId: Buffer.alloc(32, 9), size: 5 }] } }), entry(1), entry(200), entry(0)];
    const all = Buffer.concat(frames);
    for (const step of [1, 2, 3, 7, 128, 1000, all.length]) {
      const splitter = new FrameSplitter();
      const out: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += step) out.push(...splitter.push(all.subarray(i, i + step)));
      expect(out.map((f) => (PrefetchFrame.decode(f).announce ? "announce" : "entry"))).toEqual(["announce", "entry", "entry", "entry"]);
      expect(Buffer.from(PrefetchFrame.decode(out[2]!).entry!.data!).equals(Buffer.alloc(20_000, 200))).toBe(true);
      expect(splitter.pending).toBe(0);
    }
  });

  it("reports a truncated stream as bytes pending, and refuses an oversized frame before buffering it", () => {
    const splitter = new FrameSplitter(1000);
    const frame = entry(5);
    expect(splitter.push(frame.subarray(0, frame.length - 1))).toEqual([]);
    expect(splitter.pending).toBe(frame.length - 1);
    // A declared length of 2^28: refused from its 4-byte prefix alone.
    expect(() => new FrameSplitter(1000).push(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/exceeds/);
    expect(() => new FrameSplitter(1000).push(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(/varint/);
  });
});
