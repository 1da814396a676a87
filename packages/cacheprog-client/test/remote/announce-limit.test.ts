import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame, MAX_ANNOUNCED_ENTRIES } from "@gocacheprog/common/proto";
import { describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { PrefetchReceiver } from "../../src/remote/prefetch-receiver.ts";

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
    const frame = encodeFrame({ announce: { entries: Array.from({ length: (8 << 20) / 2 - 8 }, () => ({})) } });
    const started = performance.now();
    await expect(receiver.push(Buffer.from(frame))).rejects.toThrow(/announce/);
    // Counting is a few ms; decoding took seconds.
    expect(performance.now() - started).toBeLessThan(400);
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
