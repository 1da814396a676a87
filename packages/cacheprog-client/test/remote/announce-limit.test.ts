import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame, MAX_ANNOUNCED_ENTRIES, PrefetchFrame } from "@gocacheprog/common/proto";
import { describe, expect, it, vi } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { PrefetchReceiver } from "../../src/remote/prefetch-receiver.ts";

/** encodeFrame({ announce: { entries } }) for `n` empty entries: 2 bytes each (field 1, length 0). */
function emptyEntriesFrame(n: number): Buffer {
  const varint = (v: number) => {
    const bytes: number[] = [];
    for (; v > 127; v >>>= 7) bytes.push((v & 127) | 128);
    return Buffer.from([...bytes, v]);
  };
  const announce = Buffer.concat([Buffer.from([(1 << 3) | 2]), varint(2 * n), Buffer.alloc(2 * n, Buffer.from([(1 << 3) | 2, 0]))]);
  return Buffer.concat([varint(announce.length), announce]);
}

/**
 * The announce frame may be 8 MiB, and an empty announced entry is 2 bytes of it: a hostile server's
 * 4M of them decoded into 4M objects (~140 MB) on the thread that answers go, for seconds, before
 * the receiver found none usable. More entries than any server announces are refused from the bytes.
 */
describe("a prefetch announce with more entries than a server ever lists", () => {
  it("is refused before it is decoded, and the stream fails (every get takes the normal path)", async () => {
    const local = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "review37-announce-")) });
    const announced: string[][] = [];
    const receiver = new PrefetchReceiver(local, null, 1 << 30, {
      announced: (ids) => announced.push(ids),
      stored: () => {},
      released: () => {},
    });
    // encodeFrame of as many objects takes seconds (over 20 s on a loaded CI machine): the same bytes, built.
    expect(emptyEntriesFrame(100)).toEqual(Buffer.from(encodeFrame({ announce: { entries: Array.from({ length: 100 }, () => ({})) } })));
    const frame = emptyEntriesFrame((8 << 20) / 2 - 8);
    const decode = vi.spyOn(PrefetchFrame, "decode");
    try {
      await expect(receiver.push(frame)).rejects.toThrow(/announce/);
      // Refused from the bytes (counting is a few ms); decoding them took seconds.
      expect(decode).not.toHaveBeenCalled();
    } finally {
      decode.mockRestore();
    }
    expect(announced).toEqual([]);
  });

  it("takes an announce of the most entries a server lists", async () => {
    const local = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "review37-announce-")) });
    let count = 0;
    const receiver = new PrefetchReceiver(local, null, 1 << 30, {
      announced: (ids) => {
        count = ids.length;
      },
      stored: () => {},
      released: () => {},
    });
    const entries = Array.from({ length: MAX_ANNOUNCED_ENTRIES }, (_, i) => ({
      actionId: Buffer.alloc(32)
        .fill(i % 251, 0, 4)
        .fill(i >> 8, 4, 8),
      size: 1,
    }));
    await receiver.push(Buffer.from(encodeFrame({ announce: { entries } })));
    expect(count).toBe(MAX_ANNOUNCED_ENTRIES);
  });
});
