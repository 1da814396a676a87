import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { encodeFrame, FrameSplitter, PrefetchFrame } from "../src/proto.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Heap and buffer bytes in use after full collections. */
const inUse = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

/**
 * A server that trickles a frame (a write per byte, each read as a chunk of its own) made the
 * splitter keep every chunk as an object of its own: ~110 bytes of memory per byte received, so one
 * 8 MiB frame cost the client ~1 GB. What it holds must stay in proportion to the bytes.
 */
describe("a prefetch frame trickled in one-byte chunks", () => {
  it("costs memory in proportion to its bytes, not to its chunks", () => {
    const splitter = new FrameSplitter();
    // A frame announcing 8 MiB (varint 0x800000), then 1M of its bytes, one per chunk.
    splitter.push(Uint8Array.from([0x80, 0x80, 0x80, 0x04]));
    const before = inUse();
    const chunks = 1_000_000;
    for (let i = 0; i < chunks; i++) splitter.push(Buffer.from([i & 0xff]));
    const grown = inUse() - before;
    expect(splitter.pending).toBe(4 + chunks);
    // At most the frame's own buffer (8 MiB) and change; chunk by chunk it was ~110 MB.
    expect(grown).toBeLessThan(12 << 20);
  });

  it("still hands out every frame exactly, however it was cut", () => {
    const sizes = [0, 1, 300, 70_000, 5];
    const frames = sizes.map((n) =>
      encodeFrame({ entry: { actionId: Buffer.alloc(32, n & 0xff), data: Buffer.alloc(n, n & 0xff), last: true } }),
    );
    /** A frame's body: what follows its varint length prefix. */
    const body = (frame: Uint8Array) => Buffer.from(frame.subarray(frame.findIndex((byte) => (byte & 0x80) === 0) + 1)).toString("hex");
    const all = Buffer.concat(frames);
    for (const step of [1, 3, 64, 4096]) {
      const splitter = new FrameSplitter();
      const out: Uint8Array[] = [];
      for (let at = 0; at < all.length; at += step) out.push(...splitter.push(Buffer.from(all.subarray(at, at + step))));
      expect(out.map((f) => PrefetchFrame.decode(f).entry!.data!.length)).toEqual(sizes);
      expect(out.map((f) => Buffer.from(f).toString("hex"))).toEqual(frames.map(body));
      expect(splitter.pending).toBe(0);
    }
  });
});
