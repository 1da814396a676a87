import { headers, routes } from "@gocacheprog/common";
import { BatchLookupRequest, BatchLookupResponse } from "@gocacheprog/common/proto";
import { describe, expect, it } from "vitest";
import { actionRecordKey, outputKey } from "../../src/storage/keys.ts";
import { makeTestApp, randomHex, sha256Hex } from "../support/fakes.ts";

type App = ReturnType<typeof makeTestApp>["app"];
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const put = (app: App, action: string, body: Uint8Array) =>
  app.request(routes.action(action), {
    method: "PUT",
    body,
    headers: { [headers.outputId]: sha256Hex(body), "content-length": String(body.length) },
  });

describe("corrupt and missing blobs", () => {
  it("detects a small blob corrupted behind the server by its sha256 before sending: a 404, and both blob and record removed", async () => {
    const { app, blobs, index, registry } = makeTestApp();
    const action = randomHex();
    const body = bytes(20_000);
    await put(app, action, body);
    const stored = blobs.objects.get(outputKey("default", sha256Hex(body)))!;
    stored.data[100] = stored.data[100]! ^ 0xff;
    const res = await app.request(routes.action(action));
    expect(res.status).toBe(404);
    await new Promise((resolve) => setImmediate(resolve));
    expect(blobs.objects.has(outputKey("default", sha256Hex(body)))).toBe(false);
    expect(index.records.size).toBe(0);
    expect(blobs.objects.has(actionRecordKey("default", action))).toBe(false);
    expect(await registry.getSingleMetricAsString("gocacheprog_corrupt_blobs_total")).toMatch(/ 1$/m);
  });

  it("aborts the body of a large corrupt blob (verified while streaming) and removes it for the next lookup", async () => {
    const { app, blobs } = makeTestApp({ core: { verifyBufferMax: 1000 } });
    const action = randomHex();
    const body = bytes(50_000);
    await put(app, action, body);
    const blob = blobs.objects.get(outputKey("default", sha256Hex(body)))!.data;
    blob[40_000] = blob[40_000]! ^ 1;
    const res = await app.request(routes.action(action));
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow(/sha256/);
    expect(blobs.objects.has(outputKey("default", sha256Hex(body)))).toBe(false);
    expect((await app.request(routes.action(action))).status).toBe(404);
  });

  it("treats a blob of the wrong size as a miss without reading it", async () => {
    const { app, blobs } = makeTestApp();
    const action = randomHex();
    const body = bytes(5000);
    await put(app, action, body);
    const key = outputKey("default", sha256Hex(body));
    blobs.objects.get(key)!.data = Buffer.from(bytes(4000));
    expect((await app.request(routes.action(action))).status).toBe(404);
    expect((await app.request(routes.action(action), { method: "HEAD" })).status).toBe(404);
  });
});

describe("index and blob store outages", () => {
  it("lazily refills a flushed index from the record copy in the blob store", async () => {
    const { app, index } = makeTestApp();
    const action = randomHex();
    const body = bytes(9000);
    await put(app, action, body);
    index.records.clear();
    const res = await app.request(routes.action(action));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
    expect(index.records.size).toBe(1);
  });

  it("answers misses from a complete index alone, without reading the blob store", async () => {
    const { app, index, blobs } = makeTestApp();
    index.complete = true;
    const before = { ...blobs.calls };
    expect((await app.request(routes.action(randomHex()))).status).toBe(404);
    expect(blobs.calls).toEqual(before);
  });

  it("after a flush (completeness mark gone too) fills lazily and repairs the whole index in the background", async () => {
    const { app, index } = makeTestApp();
    const [first, second] = [randomHex(), randomHex()];
    await put(app, first, bytes(7000));
    await put(app, second, bytes(8000, 2));
    index.records.clear();
    expect((await app.request(routes.action(randomHex()))).status).toBe(404);
    await expect.poll(() => index.complete).toBe(true);
    expect([...index.records.keys()].sort()).toEqual([`default/${first}`, `default/${second}`].sort());
    expect((await app.request(routes.action(second))).status).toBe(200);
  });

  it("keeps answering hits from record copies while the index is down, and still accepts puts", async () => {
    const { app, index } = makeTestApp();
    const action = randomHex();
    await put(app, action, bytes(3000));
    index.mode = "down";
    expect((await app.request(routes.action(action))).status).toBe(200);
    const later = randomHex();
    expect((await put(app, later, bytes(4000, 3))).status).toBe(201);
    index.mode = "up";
    expect((await app.request(routes.action(later))).status).toBe(200);
  });

  it("answers 503 JSON within the backend timeout when the stores hang, and recovers", async () => {
    const { app, index, blobs } = makeTestApp({ core: { backendTimeoutMs: 50 } });
    const action = randomHex();
    await put(app, action, bytes(3000));
    index.mode = "hang";
    blobs.mode = "hang";
    const res = await app.request(routes.action(action));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: expect.stringContaining("unavailable") });
    expect((await app.request("/readyz")).status).toBe(503);
    expect((await app.request("/healthz")).status).toBe(200);
    index.mode = "up";
    blobs.mode = "up";
    expect((await app.request(routes.action(action))).status).toBe(200);
    expect((await app.request("/readyz")).status).toBe(200);
  });
});

describe("batch lookup", () => {
  it("returns entries in request order, with inline bodies when asked", async () => {
    const { app } = makeTestApp({ core: { inlineMax: 100 } });
    const small = bytes(50);
    const large = bytes(5000);
    const [a, b, c] = [randomHex(), randomHex(), randomHex()];
    await put(app, a, small);
    await put(app, c, large);
    const ask = async (includeInlineBodies: boolean) => {
      const request = BatchLookupRequest.encode({ actionIds: [a, b, c].map((h) => Buffer.from(h, "hex")), includeInlineBodies }).finish();
      const res = await app.request(routes.batchLookup, {
        method: "POST",
        body: request.slice(),
        headers: { "content-type": "application/x-protobuf" },
      });
      expect(res.status).toBe(200);
      return BatchLookupResponse.decode(new Uint8Array(await res.arrayBuffer())).entries;
    };
    const entries = await ask(true);
    expect(entries.map((e) => [Buffer.from(e.actionId!).toString("hex"), e.found])).toEqual([
      [a, true],
      [b, false],
      [c, true],
    ]);
    expect(Buffer.from(entries[0]!.outputId!).toString("hex")).toBe(sha256Hex(small));
    expect([entries[0]!.hasInlineBody, Buffer.from(entries[0]!.inlineBody!).equals(Buffer.from(small))]).toEqual([true, true]);
    expect([entries[2]!.size, entries[2]!.hasInlineBody]).toEqual([5000, false]);
    expect((await ask(false))[0]!.hasInlineBody).toBe(false);
  });

  it("refuses malformed batches with 400 and the wrong content type with 415", async () => {
    const { app } = makeTestApp();
    const post = (body: Uint8Array, type = "application/x-protobuf") =>
      app.request(routes.batchLookup, { method: "POST", body: body.slice(), headers: { "content-type": type } });
    expect((await post(BatchLookupRequest.encode({ actionIds: [new Uint8Array(31)] }).finish())).status).toBe(400);
    expect((await post(new Uint8Array([0xff, 0xff, 0xff]))).status).toBe(400);
    expect((await post(new Uint8Array(0), "application/json")).status).toBe(415);
  });
});

describe("metrics", () => {
  it("exposes requests, hits, misses and bytes on /metrics", async () => {
    const { app } = makeTestApp();
    const action = randomHex();
    await put(app, action, bytes(2000));
    await (await app.request(routes.action(action))).arrayBuffer();
    await app.request(routes.action(randomHex()));
    const text = await (await app.request("/metrics")).text();
    expect(text).toMatch(/gocacheprog_http_requests_total\{route="\/v1\/actions\/:id",method="GET",status="200"\} 1/);
    expect(text).toMatch(/gocacheprog_lookups_total\{result="hit"\} 1/);
    expect(text).toMatch(/gocacheprog_lookups_total\{result="miss"\} 1/);
    expect(text).toMatch(/gocacheprog_bytes_in_total 2000/);
    expect(text).toMatch(/gocacheprog_bytes_out_total 2000/);
    expect(text).toMatch(/gocacheprog_backend_duration_seconds_count\{backend="index",op="get",outcome="ok"\} \d/);
  });
});
