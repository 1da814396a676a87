import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Codec, encodeFrame, type IPrefetchFrame } from "@gocacheprog/common/proto";
import { compressOutput, loadZstd, ZSTD_FRAME_MAX } from "@gocacheprog/common/zstd";
import { beforeEach, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import type { RemoteClient } from "../../src/remote/http.ts";
import { WarmStart } from "../../src/remote/warm.ts";
import { idOf, sha256 } from "../helpers.ts";

/** Plays a scripted prefetch stream whose entries come in the zstd form (codec ZSTD). */
class StreamStub {
  chunks: Uint8Array[] = [];
  async prefetch(_body: Uint8Array, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
    for (const chunk of this.chunks) await onChunk(Buffer.from(chunk));
  }
  async uploadManifest(): Promise<"stored"> {
    return "stored";
  }
}

function textLike(size: number): Buffer {
  const words = Array.from({ length: Math.ceil(size / 12) }, (_, i) => `sym_${i % 977}_${(i * 7919) % 65_521}`);
  return Buffer.from(words.join(" ")).subarray(0, size);
}

/** An entry's frames: `stored` (its zstd form) cut into `split`-byte pieces, declaring the output's size and sha256. */
function zstdFrames(seed: string, output: Buffer, stored: Buffer, split: number): IPrefetchFrame[] {
  const frames: IPrefetchFrame[] = [];
  for (let at = 0; at < stored.length; at += split) {
    const first =
      at === 0 ? { outputId: sha256(output), size: output.length, putTimeUnixMs: 1_700_000_000_000, codec: Codec.CODEC_ZSTD } : {};
    frames.push({
      entry: { actionId: idOf(seed), ...first, offset: at, data: stored.subarray(at, at + split), last: at + split >= stored.length },
    });
  }
  return frames;
}

let stub: StreamStub;
let stats: Stats;
let disk: DiskTier;

beforeEach(async () => {
  stub = new StreamStub();
  stats = new Stats();
  disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "warm-zstd-")) });
});

describe("WarmStart with compressed entries", () => {
  it("decodes entries in the zstd form into the tier, and drops a bomb or damaged bytes (misses, nothing stored)", async () => {
    const codec = await loadZstd();
    const output = textLike(2 * ZSTD_FRAME_MAX + 99);
    const stored = await compressOutput(codec, output);
    const small = textLike(500);
    const bomb = await compressOutput(codec, Buffer.alloc(64 * ZSTD_FRAME_MAX));
    const damaged = Buffer.from(await compressOutput(codec, small));
    for (let i = 12; i < damaged.length; i += 7) damaged[i] = (damaged[i] as number) ^ 0x3c;
    const announced = [
      ["big", output.length],
      ["bomb", small.length],
      ["damaged", small.length],
    ] as const;
    stub.chunks = [
      encodeFrame({ announce: { entries: announced.map(([seed, size]) => ({ actionId: idOf(seed), size })) } }),
      Buffer.concat(zstdFrames("big", output, stored, 100_000).map(encodeFrame)),
      Buffer.concat(zstdFrames("bomb", small, bomb, 1000).map(encodeFrame)),
      Buffer.concat(zstdFrames("damaged", small, damaged, 64).map(encodeFrame)),
    ];
    const w = new WarmStart(
      disk,
      stub as unknown as RemoteClient,
      stats,
      createLogger("error", () => {}),
      {
        buildKey: Buffer.alloc(32, 7),
        maxBytes: 1 << 30,
        timeoutMs: 60_000,
        waitMs: 5_000,
        uploadManifest: false,
      },
    );
    w.start();
    for (const [seed] of announced) await w.ready(idOf(seed).toString("hex"));
    await w.finish(0);
    expect(await disk.get(idOf("big"))).toMatchObject({ hit: true, size: output.length });
    for (const seed of ["bomb", "damaged"]) expect((await disk.get(idOf(seed))).hit, seed).toBe(false);
    expect(stats.warmEntries).toBe(1);
  });
});
