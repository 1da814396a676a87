import { randomBytes } from "node:crypto";
import { PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import {
  BatchUploadRequest,
  BatchUploadResponse,
  Codec,
  type IUploadItem,
  MAX_BATCH_UPLOAD_BYTES,
  MAX_BATCH_UPLOAD_ITEMS,
} from "@gocacheprog/common/proto";
import { compressOutput, loadZstd, maxCompressedSize } from "@gocacheprog/common/zstd";
import { describe, expect, it } from "vitest";
import { skippableFrames } from "../support/compressed-real.ts";
import { makeTestApp, randomHex, sha256Hex, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

type TestApp = ReturnType<typeof makeTestApp>;
const proto = { "content-type": PROTOBUF_CONTENT_TYPE };

function item(body: Buffer, extra: Partial<IUploadItem> = {}): IUploadItem {
  const outputId = Buffer.from(sha256Hex(body), "hex");
  return { actionId: Buffer.from(randomHex(), "hex"), outputId, size: body.length, body, ...extra };
}

function post(app: TestApp["app"], body: Uint8Array, auth: Record<string, string> = {}) {
  return app.request(routes.batchUpload, { method: "POST", body: body.slice(), headers: { ...proto, ...auth } });
}

async function results(res: Response) {
  expect(res.status).toBe(200);
  return BatchUploadResponse.decode(new Uint8Array(await res.arrayBuffer())).results;
}

const hexOf = (id: Uint8Array | null | undefined) => Buffer.from(id!).toString("hex");

/** What a GET of the action answers: the stored bytes, or null for a miss. */
async function stored({ app }: TestApp, it: IUploadItem): Promise<Buffer | null> {
  const res = await app.request(routes.action(hexOf(it.actionId)));
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : null;
}

describe("POST batch/upload: many small outputs in one request", () => {
  it("stores raw, compressed, inline and empty items, each readable exactly as a PUT of it would be", async () => {
    const t = makeTestApp();
    const zstd = await loadZstd();
    const text = Buffer.from("package main\nfunc main() {}\n".repeat(400));
    const items = [
      item(randomBytes(5000)),
      item(text, { body: await compressOutput(zstd, text), codec: Codec.CODEC_ZSTD }),
      item(randomBytes(100)),
      item(Buffer.alloc(0)),
    ];
    const res = await results(await post(t.app, BatchUploadRequest.encode({ items }).finish()));
    expect(res.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect((await stored(t, items[0]!))?.equals(items[0]!.body as Buffer)).toBe(true);
    expect((await stored(t, items[1]!))?.equals(text)).toBe(true);
    expect((await stored(t, items[2]!))?.equals(items[2]!.body as Buffer)).toBe(true);
    expect((await stored(t, items[3]!))?.length).toBe(0);
  });

  it("refuses a bad item on its own with a clear reason and stores nothing for it; the good ones are kept", async () => {
    const t = makeTestApp({ maxBody: 1 << 20 });
    const zstd = await loadZstd();
    const good = item(randomBytes(3000));
    const wrongHash = item(randomBytes(3000), { outputId: randomBytes(32) });
    const short = item(randomBytes(3000), { size: 3001 });
    const badId = item(randomBytes(10), { actionId: randomBytes(31) });
    // A decompression bomb: a small zstd body that decodes far past the size it declares.
    const bomb = item(Buffer.alloc(10), { body: await compressOutput(zstd, Buffer.alloc(8 << 20)), codec: Codec.CODEC_ZSTD });
    const tooLarge = item(Buffer.alloc(10), { size: 2 << 20, body: await compressOutput(zstd, Buffer.alloc(2 << 20)), codec: 1 });
    const unknownCodec = item(randomBytes(10), { codec: 7 as unknown as IUploadItem["codec"] });
    const items = [good, wrongHash, short, badId, bomb, tooLarge, unknownCodec];
    const res = await results(await post(t.app, BatchUploadRequest.encode({ items }).finish()));
    expect(res.map((r) => r.status)).toEqual([201, 400, 400, 400, 400, 413, 400]);
    expect(res[1]!.error).toMatch(/^items\[1\]: /);
    expect(res[2]!.error).toMatch(/body of 3000 bytes, but size says 3001/);
    expect(res[3]!.error).toMatch(/action_id must be 32 bytes/);
    expect(res[6]!.error).toMatch(/unknown codec 7/);
    expect((await stored(t, good))?.equals(good.body as Buffer)).toBe(true);
    for (const bad of [wrongHash, short, bomb, tooLarge, unknownCodec]) expect(await stored(t, bad)).toBeNull();
    // Nothing of the refused items reached the store: only the good item's output and record copy.
    expect(t.blobs.objects.size).toBe(2);
  });

  it("refuses a zstd item longer than its output (padded with skippable frames) with 400, storing nothing for it", async () => {
    const t = makeTestApp();
    const zstd = await loadZstd();
    const text = Buffer.from("package main\nfunc main() {}\n".repeat(400));
    const body = Buffer.concat([await compressOutput(zstd, text), skippableFrames(40, 1000)]);
    expect(body.length).toBeGreaterThan(maxCompressedSize(text.length));
    const good = item(randomBytes(3000));
    const padded = item(text, { body, codec: Codec.CODEC_ZSTD });
    const res = await results(await post(t.app, BatchUploadRequest.encode({ items: [good, padded] }).finish()));
    expect(res.map((r) => r.status)).toEqual([201, 400]);
    expect(res[1]!.error).toMatch(new RegExp(`^items\\[1\\]: .*longer than its ${text.length}-byte output`));
    expect(await stored(t, padded)).toBeNull();
    expect((await stored(t, good))?.equals(good.body as Buffer)).toBe(true);
    // Only the good item's output and its record copy.
    expect(t.blobs.objects.size).toBe(2);
    expect((await t.core.index.usage()).get("default")?.entries).toBe(1);
  });

  it("refuses a whole request that is not a batch, too large, empty or read-only, storing nothing", async () => {
    const t = makeTestApp({ tokens: TEAM_TOKENS });
    const writer = { authorization: `Bearer ${TOKENS.writer}` };
    const one = BatchUploadRequest.encode({ items: [item(randomBytes(100))] }).finish();
    const reader = await post(t.app, one, { authorization: `Bearer ${TOKENS.reader}` });
    expect(reader.status).toBe(403);
    expect(await reader.json()).toEqual({ error: "this token is read-only" });
    expect((await post(t.app, Buffer.from("not protobuf \xff\xff\xff"), writer)).status).toBe(400);
    expect((await post(t.app, BatchUploadRequest.encode({ items: [] }).finish(), writer)).status).toBe(400);
    const many = Array.from({ length: MAX_BATCH_UPLOAD_ITEMS + 1 }, () => item(Buffer.alloc(0)));
    expect((await post(t.app, BatchUploadRequest.encode({ items: many }).finish(), writer)).status).toBe(413);
    const huge = BatchUploadRequest.encode({ items: [item(randomBytes(MAX_BATCH_UPLOAD_BYTES))] }).finish();
    const refused = await post(t.app, huge, writer);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({ error: `request body exceeds ${MAX_BATCH_UPLOAD_BYTES} bytes` });
    const wrongType = await t.app.request(routes.batchUpload, { method: "POST", body: one.slice(), headers: writer });
    expect(wrongType.status).toBe(415);
    expect(t.blobs.objects.size).toBe(0);
  });

  it("stores in the caller's namespace only", async () => {
    const t = makeTestApp({ tokens: TEAM_TOKENS });
    const it1 = item(randomBytes(2000));
    await results(await post(t.app, BatchUploadRequest.encode({ items: [it1] }).finish(), { authorization: `Bearer ${TOKENS.other}` }));
    const asTeamA = await t.app.request(routes.action(hexOf(it1.actionId)), { headers: { authorization: `Bearer ${TOKENS.writer}` } });
    expect(asTeamA.status).toBe(404);
    const asTeamB = await t.app.request(routes.action(hexOf(it1.actionId)), { headers: { authorization: `Bearer ${TOKENS.other}` } });
    expect(asTeamB.status).toBe(200);
  });
});
