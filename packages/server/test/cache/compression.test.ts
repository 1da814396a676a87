import { randomBytes } from "node:crypto";
import { headers, routes } from "@gocacheprog/common";
import {
  BatchLookupRequest,
  BatchLookupResponse,
  Codec,
  FrameSplitter,
  ManifestUpload,
  PrefetchFrame,
  PrefetchRequest,
} from "@gocacheprog/common/proto";
import { compressOutput, decompressOutput, loadZstd, maxCompressedSize, ZSTD_FRAME_MAX } from "@gocacheprog/common/zstd";
import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { actionRecordKey, compressedOutputKey, outputKey } from "../../src/storage/keys.ts";
import { flipBytes, skippableFrames, textLike } from "../support/compressed-real.ts";
import { LogCapture, makeTestApp, randomHex, sha256Hex } from "../support/fakes.ts";

type App = ReturnType<typeof makeTestApp>["app"];
/** The digest trailer the server closes every compressed blob with. */
const TRAILER = 40;

const putRaw = (app: App, action: string, body: Uint8Array) =>
  app.request(routes.action(action), {
    method: "PUT",
    body,
    headers: { [headers.outputId]: sha256Hex(body), "content-length": String(body.length) },
  });

/** A new client's upload: our zstd form, with the output's size and sha256 (its OutputID) in headers. */
async function putZstd(app: App, action: string, raw: Uint8Array, stored?: Buffer, outputHex = sha256Hex(raw)) {
  const body = stored ?? (await compressOutput(await loadZstd(), raw));
  return app.request(routes.action(action), {
    method: "PUT",
    body,
    headers: {
      [headers.outputId]: outputHex,
      "content-length": String(body.length),
      "content-encoding": "zstd",
      [headers.outputSize]: String(raw.length),
    },
  });
}

async function getAs(app: App, path: string, acceptZstd: boolean) {
  const res = await app.request(path, { headers: acceptZstd ? { "accept-encoding": "gzip, zstd" } : {} });
  const body = res.status === 200 ? Buffer.from(await res.arrayBuffer()) : Buffer.alloc(0);
  return { res, body };
}

describe("compressed outputs (zstd form)", () => {
  // inline (<= 1024), small blob read whole (<= 64 KiB), streamed blob, and a multi-frame one.
  const sizes = [900, 30_000, 200_000, 2 * ZSTD_FRAME_MAX + 5];

  it("keeps compressed and raw entries side by side; each reads back exactly, compressed only to clients that ask", async () => {
    const { app, blobs } = makeTestApp();
    const codec = await loadZstd();
    for (const size of sizes) {
      const raw = textLike(size, size);
      const zAction = randomHex();
      const stored = await compressOutput(codec, raw);
      expect((await putZstd(app, zAction, raw, stored)).status).toBe(201);
      const rawAction = randomHex();
      const plain = textLike(size, size + 1);
      expect((await putRaw(app, rawAction, plain)).status).toBe(201);

      const asNew = await getAs(app, routes.action(zAction), true);
      expect(asNew.res.headers.get("content-encoding")).toBe("zstd");
      expect(asNew.res.headers.get(headers.outputSize)).toBe(String(size));
      // As stored: the client's frames, then the server's digest trailer (a skippable frame of 40 bytes).
      expect(asNew.body.length).toBe(size > 1024 ? stored.length + TRAILER : stored.length);
      expect(asNew.body.subarray(0, stored.length).equals(stored)).toBe(true);
      // A client that does not ask for compression (an old one) gets the output itself.
      const asOld = await getAs(app, routes.action(zAction), false);
      expect(asOld.res.headers.get("content-encoding")).toBeNull();
      expect(asOld.res.headers.get("content-length")).toBe(String(size));
      expect(asOld.body.equals(raw)).toBe(true);
      // The raw entry is raw to everyone.
      for (const accept of [true, false]) {
        const got = await getAs(app, routes.action(rawAction), accept);
        expect(got.res.headers.get("content-encoding")).toBeNull();
        expect(got.body.equals(plain)).toBe(true);
      }
      if (size > 1024) {
        expect(blobs.objects.get(compressedOutputKey("default", sha256Hex(raw), size))?.data.length).toBe(stored.length + TRAILER);
        const byId = await getAs(app, routes.output(sha256Hex(raw)), false);
        expect(byId.body.equals(raw)).toBe(true);
      }
    }
  });

  it("counts stored (compressed) bytes in usage and both sizes in metrics; links to a compressed blob", async () => {
    const { app, core } = makeTestApp();
    const raw = textLike(500_000);
    const stored = await compressOutput(await loadZstd(), raw);
    expect((await putZstd(app, randomHex(), raw, stored)).status).toBe(201);
    expect((await core.index.usage()).get("default")).toEqual({ entries: 1, bytes: stored.length + TRAILER });
    const link = await app.request(routes.action(randomHex()), {
      method: "PUT",
      headers: { [headers.outputId]: sha256Hex(raw), "content-length": "0", [headers.outputSize]: String(raw.length) },
    });
    expect(link.status).toBe(201);
    expect((await core.index.usage()).get("default")).toEqual({ entries: 2, bytes: stored.length + TRAILER });
    const text = await (await app.request("/metrics")).text();
    expect(text).toContain(`gocacheprog_output_logical_bytes_total{form="zstd"} ${raw.length}`);
    expect(text).toContain(`gocacheprog_output_stored_bytes_total{form="zstd"} ${stored.length + TRAILER}`);
  });

  it("answers batch lookups with compressed inline bodies decoded", async () => {
    const { app } = makeTestApp();
    const raw = textLike(800);
    const action = randomHex();
    await putZstd(app, action, raw);
    const request = BatchLookupRequest.encode({ actionIds: [Buffer.from(action, "hex")], includeInlineBodies: true }).finish();
    const res = await app.request(routes.batchLookup, {
      method: "POST",
      body: request.slice(),
      headers: { "content-type": "application/x-protobuf" },
    });
    const [entry] = BatchLookupResponse.decode(new Uint8Array(await res.arrayBuffer())).entries;
    expect(Buffer.from(entry!.inlineBody!).equals(raw)).toBe(true);
  });

  it("sends compressed entries in the prefetch stream as stored (codec ZSTD) to clients that accept zstd, decoded to others", async () => {
    const { app } = makeTestApp();
    const raw = textLike(300_000);
    const action = randomHex();
    await putZstd(app, action, raw);
    const buildKey = randomBytes(32);
    const manifest = ManifestUpload.encode({ buildKey, actionIds: [Buffer.from(action, "hex")] }).finish();
    const proto = { "content-type": "application/x-protobuf" };
    expect((await app.request(routes.manifests, { method: "POST", body: manifest.slice(), headers: proto })).status).toBe(201);
    const stream = async (accept: boolean) => {
      const body = PrefetchRequest.encode({ buildKey }).finish().slice();
      const res = await app.request(routes.prefetch, {
        method: "POST",
        body,
        headers: { ...proto, ...(accept ? { "accept-encoding": "zstd" } : {}) },
      });
      const frames = new FrameSplitter().push(new Uint8Array(await res.arrayBuffer())).map((f) => PrefetchFrame.decode(f).entry);
      const parts = frames.filter((e) => e?.data);
      return { codec: parts[0]?.codec ?? Codec.CODEC_NONE, data: Buffer.concat(parts.map((e) => Buffer.from(e!.data!))) };
    };
    const compressed = await stream(true);
    expect(compressed.codec).toBe(Codec.CODEC_ZSTD);
    expect(compressed.data.length).toBeLessThan(raw.length / 2);
    expect(decompressOutput(await loadZstd(), compressed.data, raw.length).equals(raw)).toBe(true);
    const plain = await stream(false);
    expect([plain.codec, plain.data.equals(raw)]).toEqual([Codec.CODEC_NONE, true]);
  });

  it("refuses a decompression bomb (small body, far more output than declared) with 400, storing nothing", async () => {
    const { app, blobs, index } = makeTestApp();
    const huge = Buffer.alloc(64 * ZSTD_FRAME_MAX);
    const bomb = await compressOutput(await loadZstd(), huge);
    expect(bomb.length).toBeLessThan(16 * 1024);
    const claimed = huge.subarray(0, 100_000);
    const res = await putZstd(app, randomHex(), claimed, bomb);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/more than the 100000 bytes declared/) });
    expect(blobs.objects.size).toBe(0);
    expect(index.records.size).toBe(0);
  });

  it("refuses a body longer than its output (a valid frame padded with skippable frames) with 400, storing nothing", async () => {
    const { app, blobs, index, core, registry } = makeTestApp();
    const codec = await loadZstd();
    const metrics = async () =>
      Promise.all(
        ["gocacheprog_output_stored_bytes_total", "gocacheprog_output_logical_bytes_total"].map((m) => registry.getSingleMetricAsString(m)),
      );
    const before = await metrics();
    // An inline output (its record would carry the padding) and a streamed one.
    for (const [raw, padding] of [
      [textLike(100), skippableFrames(100)],
      [textLike(200_000), skippableFrames(160, 1000)],
    ] as const) {
      const body = Buffer.concat([await compressOutput(codec, raw), padding]);
      expect(body.length).toBeGreaterThan(maxCompressedSize(raw.length));
      const action = randomHex();
      const res = await putZstd(app, action, raw, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: expect.stringMatching(new RegExp(`longer than its ${raw.length}-byte output`)) });
      expect((await app.request(routes.action(action))).status).toBe(404);
      expect((await app.request(routes.output(sha256Hex(raw)))).status).toBe(404);
    }
    expect(blobs.objects.size).toBe(0);
    expect(index.records.size).toBe(0);
    expect((await core.index.usage()).get("default")).toBeUndefined();
    expect(await metrics()).toEqual(before);
    // Skippable frames as such are fine (a digest trailer is one): only the length is refused.
    const raw = textLike(200_000);
    const action = randomHex();
    expect((await putZstd(app, action, raw, Buffer.concat([await compressOutput(codec, raw), skippableFrames(1, 3)]))).status).toBe(201);
    expect((await getAs(app, routes.action(action), false)).body.equals(raw)).toBe(true);
  });

  it("keeps only bodies whose stored form (with its digest trailer) every reader decodes: the limit is exact", async () => {
    const { app } = makeTestApp();
    const raw = textLike(200_000);
    const frame = await compressOutput(await loadZstd(), raw);
    const paddedTo = (length: number) => {
      // Frames of 1024 bytes, then two smaller ones for the rest (a skippable frame holds 1024 at most).
      const full = Math.floor((length - frame.length) / 1024) - 1;
      const rest = length - frame.length - full * 1024 - 16;
      const half = Math.floor(rest / 2);
      return Buffer.concat([frame, skippableFrames(full, 1016), skippableFrames(1, half), skippableFrames(1, rest - half)]);
    };
    const limit = maxCompressedSize(raw.length) - 40;
    const over = randomHex();
    expect((await putZstd(app, over, raw, paddedTo(limit + 1))).status).toBe(400);
    expect((await app.request(routes.action(over))).status).toBe(404);
    const at = randomHex();
    expect(paddedTo(limit).length).toBe(limit);
    expect((await putZstd(app, at, raw, paddedTo(limit))).status).toBe(201);
    for (const acceptZstd of [false, true]) {
      expect((await getAs(app, routes.action(at), acceptZstd)).res.status).toBe(200);
    }
    expect((await getAs(app, routes.action(at), false)).body.equals(raw)).toBe(true);
  });

  it("refuses a body that decodes to other bytes than its OutputID (sha256 mismatch) or is not zstd, storing nothing", async () => {
    const { app, blobs, index } = makeTestApp();
    for (const size of [700, 300_000]) {
      const raw = textLike(size);
      const res = await putZstd(app, randomHex(), raw, undefined, sha256Hex(textLike(size, 3)));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: expect.stringMatching(/sha256/) });
      expect((await putZstd(app, randomHex(), raw, textLike(size))).status).toBe(400);
    }
    expect(blobs.objects.size).toBe(0);
    expect(index.records.size).toBe(0);
    const gzip = await app.request(routes.action(randomHex()), {
      method: "PUT",
      body: "x",
      headers: { [headers.outputId]: sha256Hex(Buffer.from("x")), "content-length": "1", "content-encoding": "gzip" },
    });
    expect(gzip.status).toBe(415);
    const noSize = await app.request(routes.action(randomHex()), {
      method: "PUT",
      body: "x",
      headers: { [headers.outputId]: sha256Hex(Buffer.from("x")), "content-length": "1", "content-encoding": "zstd" },
    });
    expect(noSize.status).toBe(400);
  });

  it("treats a stored blob whose compressed bytes are corrupted as a miss and removes it (small and streamed)", async () => {
    for (const [size, accept] of [
      [30_000, true],
      [30_000, false],
      [400_000, true],
      [400_000, false],
    ] as const) {
      const { app, blobs, index, registry } = makeTestApp();
      const raw = textLike(size, 7);
      const action = randomHex();
      expect((await putZstd(app, action, raw)).status).toBe(201);
      const key = compressedOutputKey("default", sha256Hex(raw), size);
      const data = blobs.objects.get(key)!.data;
      flipBytes(data);
      const res = await app.request(routes.action(action), { headers: accept ? { "accept-encoding": "zstd" } : {} });
      if (res.status === 200) await expect(res.arrayBuffer()).rejects.toThrow();
      else expect(res.status).toBe(404);
      await new Promise((resolve) => setImmediate(resolve));
      expect(blobs.objects.has(key)).toBe(false);
      expect((await app.request(routes.action(action))).status).toBe(404);
      expect(index.records.size).toBe(0);
      expect(blobs.objects.has(actionRecordKey("default", action))).toBe(false);
      expect(await registry.getSingleMetricAsString("gocacheprog_corrupt_blobs_total")).toMatch(/ 1$/m);
    }
  });

  it("gc keeps compressed blobs that records use and removes orphaned ones", async () => {
    const { app, blobs, index, core } = makeTestApp();
    const raw = textLike(100_000);
    const action = randomHex();
    await putZstd(app, action, raw);
    const key = compressedOutputKey("default", sha256Hex(raw), raw.length);
    const logger = createLogger("silent", new LogCapture());
    const gc = () => runGc({ blobs, index, logger }, { maxAgeMs: 0, maxSizeBytes: 0, graceMs: 0 }, Date.now() + 1000);
    await gc();
    expect(blobs.objects.has(key)).toBe(true);
    await core.index.delete("default", action);
    await blobs.delete(actionRecordKey("default", action));
    await gc();
    expect(blobs.objects.has(key)).toBe(false);
    expect(blobs.objects.has(outputKey("default", sha256Hex(raw)))).toBe(false);
  });
});
