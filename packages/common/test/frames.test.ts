import { describe, expect, it } from "vitest";
import { encodeEntryFrame, encodeFrame, FrameSplitter, type IPrefetchEntry, PrefetchFrame } from "../src/proto.ts";

const plain = (e: IPrefetchEntry) => ({
  actionId: Buffer.from(e.actionId!),
  outputId: Buffer.from(e.outputId!),
  size: e.size,
  putTimeUnixMs: e.putTimeUnixMs,
  offset: e.offset,
  last: e.last,
  data: Buffer.from(e.data!),
});
/** A frame's body: what follows its varint length prefix. */
const withoutLength = (frame: Uint8Array) => {
  let i = 0;
  while (frame[i]! & 0x80) i++;
  return Buffer.from(frame.subarray(i + 1));
};
/** Whether `part` is a view into `chunk`'s bytes (small buffers share node's pool, so .buffer alone does not tell). */
const inside = (part: Uint8Array, chunk: Uint8Array) =>
  part.buffer === chunk.buffer &&
  part.byteOffset >= chunk.byteOffset &&
  part.byteOffset + part.byteLength <= chunk.byteOffset + chunk.byteLength;
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
      // Every frame's bytes exactly (the length prefix cut off), whatever chunks it came in.
      expect(out.map((f) => Buffer.from(f).toString("hex"))).toEqual(frames.map((f) => withoutLength(f).toString("hex")));
      expect(splitter.pending).toBe(0);
    }
  });

  it("hands out frames inside one chunk as views of it, and copies only the frames that span chunks", () => {
    const [a, b, c] = [entry(1), entry(2), entry(3)];
    const splitter = new FrameSplitter();
    // a and the start of b in one chunk; the rest of b and all of c in the next.
    const cut = a.length + 10;
    const first = Buffer.concat([a, b, c]);
    const chunks = [first.subarray(0, cut), Buffer.from(first.subarray(cut))];
    const [fa] = splitter.push(chunks[0]!);
    const [fb, fc] = splitter.push(chunks[1]!);
    expect([inside(fa!, chunks[0]!), inside(fb!, chunks[0]!), inside(fb!, chunks[1]!), inside(fc!, chunks[1]!)]).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect([fa, fb, fc].map((f) => PrefetchFrame.decode(f!).entry!.data!.length)).toEqual([100, 200, 300]);
    expect(splitter.pending).toBe(0);
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

  it("encodes an entry frame as buffers that leave the data uncopied and decode to the same entry as encodeFrame", () => {
    const fields = {
      actionId: Buffer.alloc(32, 1),
      outputId: Buffer.alloc(32, 2),
      size: 70_000,
      putTimeUnixMs: 1234,
      offset: 0,
      last: true,
    };
    for (const size of [0, 10, 16 << 10, 70_000]) {
      const data = Buffer.alloc(size, 3);
      const parts = encodeEntryFrame(fields, data);
      if (size >= 16 << 10) expect(parts[1]).toBe(data);
      const frames = new FrameSplitter().push(Buffer.concat(parts));
      expect(frames).toHaveLength(1);
      const decoded = PrefetchFrame.decode(frames[0]!).entry!;
      const reference = PrefetchFrame.decode(new FrameSplitter().push(encodeFrame({ entry: { ...fields, data } }))[0]!).entry!;
      expect(plain(decoded)).toEqual(plain(reference));
      expect(Buffer.from(decoded.data!).equals(data)).toBe(true);
    }
  });
});
