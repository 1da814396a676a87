import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame, type IPrefetchFrame } from "@gocacheprog/common/proto";
import { afterEach, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import type { RemoteClient } from "../../src/remote/http.ts";
import { WarmStart } from "../../src/remote/warm.ts";
import { idOf, sha256 } from "../helpers.ts";

/**
 * A stream whose chunks are all there at once (a near server), each costing 1 ms of work on the
 * thread that also reads go's requests: the event loop must still turn while it runs.
 */
class BufferedStream {
  chunks: Buffer[] = [];
  turnsDuring = 0;
  constructor(private readonly turns: () => number) {}

  async prefetch(_body: Uint8Array, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
    const first = this.turns();
    for (const chunk of this.chunks) {
      const until = performance.now() + 1;
      while (performance.now() < until);
      await onChunk(chunk);
    }
    this.turnsDuring = this.turns() - first;
  }
  async uploadManifest(): Promise<"stored"> {
    return "stored";
  }
}

let running = true;
afterEach(() => {
  running = false;
});

it("gives the event loop turns while a buffered stream runs, so go's requests are read meanwhile", async () => {
  let turns = 0;
  const tick = () => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const stream = new BufferedStream(() => turns);
  const seeds = Array.from({ length: 60 }, (_, i) => `entry-${i}`);
  const frames: IPrefetchFrame[] = [
    { announce: { entries: seeds.map((seed) => ({ actionId: idOf(seed), size: seed.length })) } },
    ...seeds.map((seed) => ({
      entry: {
        actionId: idOf(seed),
        outputId: sha256(Buffer.from(seed)),
        size: seed.length,
        putTimeUnixMs: 1_700_000_000_000,
        offset: 0,
        data: Buffer.from(seed),
        last: true,
      },
    })),
    { end: { sent: seeds.length, missing: 0, truncated: false } },
  ];
  stream.chunks = frames.map((frame) => Buffer.from(encodeFrame(frame)));
  const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "warm-turns-")) });
  const stats = new Stats();
  const warm = new WarmStart(
    disk,
    stream as unknown as RemoteClient,
    stats,
    createLogger("error", () => {}),
    {
      buildKey: Buffer.alloc(32, 1),
      maxBytes: 1 << 30,
      timeoutMs: 60_000,
      waitMs: 5_000,
      uploadManifest: false,
    },
  );
  warm.start();
  await warm.settled();
  expect(stats.warmEntries).toBe(60);
  // 62 chunks of 1 ms each: a turn at least every few ms (none at all when the loop ran on microtasks).
  expect(stream.turnsDuring).toBeGreaterThanOrEqual(10);
});
