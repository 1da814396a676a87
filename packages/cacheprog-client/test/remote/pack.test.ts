// The upload side of compression: an output is read and compressed a frame at a time, and goes raw
// when it is too small, incompressible, or no longer the file it was.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decompressOutput, loadZstd, ZSTD_FRAME_MAX } from "@gocacheprog/common/zstd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packForUpload } from "../../src/remote/zstd-bodies.ts";

let dir: string;

/** Symbol-like text: compresses about as well as go's archives. */
function textLike(size: number): Buffer {
  const words = Array.from({ length: Math.ceil(size / 12) }, (_, i) => `sym_${i % 977}_${(i * 7919) % 65_521}`);
  return Buffer.from(words.join(" ")).subarray(0, size);
}

async function file(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-pack-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("packForUpload", () => {
  it("compresses a multi-frame output one frame per MiB, decoding to the same bytes", async () => {
    const output = textLike(2 * ZSTD_FRAME_MAX + 4321);
    const frames = await packForUpload(await file("text", output), output.length);
    expect(frames).toHaveLength(3);
    const packed = Buffer.concat(frames ?? []);
    expect(packed.length).toBeLessThan(output.length / 2);
    expect(decompressOutput(await loadZstd(), packed, output.length).equals(output)).toBe(true);
  });

  it("sends raw what is tiny, incompressible, or shorter than the size it was put with", async () => {
    expect(await packForUpload(await file("tiny", textLike(100)), 100)).toBeNull();
    const noise = randomBytes(3 * ZSTD_FRAME_MAX);
    expect(await packForUpload(await file("noise", noise), noise.length)).toBeNull();
    // Compressible at first, then noise: the saving over the whole is below 10%.
    const mixed = Buffer.concat([textLike(ZSTD_FRAME_MAX / 4), randomBytes(3 * ZSTD_FRAME_MAX)]);
    expect(await packForUpload(await file("mixed", mixed), mixed.length)).toBeNull();
    const text = textLike(10_000);
    expect(await packForUpload(await file("short", text), text.length + 1)).toBeNull();
  });
});
