import { headers, routes } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { outputKey } from "../../src/storage/keys.ts";
import { makeTestApp, randomHex, sha256Hex } from "../support/fakes.ts";

function put(app: ReturnType<typeof makeTestApp>["app"], actionHex: string, body: Uint8Array, extra: Record<string, string> = {}) {
  return app.request(routes.action(actionHex), {
    method: "PUT",
    body,
    headers: { [headers.outputId]: sha256Hex(body), "content-length": String(body.length), ...extra },
  });
}

const big = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe("action routes", () => {
  it("stores a large output as a blob and serves it back with its headers in one round trip", async () => {
    const { app, blobs } = makeTestApp();
    const action = randomHex();
    const body = big(200_000);
    const res = await put(app, action, body);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ result: "stored" });
    expect(blobs.objects.has(outputKey("default", sha256Hex(body)))).toBe(true);

    const hit = await app.request(routes.action(action));
    expect(hit.status).toBe(200);
    expect(hit.headers.get(headers.outputId)).toBe(sha256Hex(body));
    expect(hit.headers.get("content-length")).toBe(String(body.length));
    expect(Date.parse(hit.headers.get(headers.putTime) ?? "")).toBeGreaterThan(0);
    expect(Buffer.from(await hit.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
  });

  it("answers HEAD with the hit's headers and no body, and a miss with a bare 404", async () => {
    const { app } = makeTestApp();
    const action = randomHex();
    const body = big(5000);
    await put(app, action, body);
    const head = await app.request(routes.action(action), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("5000");
    expect(head.headers.get(headers.outputId)).toBe(sha256Hex(body));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const miss = await app.request(routes.action(randomHex()), { method: "HEAD" });
    expect(miss.status).toBe(404);
    expect((await miss.arrayBuffer()).byteLength).toBe(0);
  });

  it("answers a miss with 404 JSON and opens no blob stream", async () => {
    const { app, blobs } = makeTestApp();
    const res = await app.request(routes.action(randomHex()));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringContaining("no entry") });
    expect(blobs.calls.get).toBe(0);
  });

  it("keeps small outputs inline: stored and served without touching blob objects", async () => {
    const { app, blobs } = makeTestApp();
    const action = randomHex();
    const body = big(300);
    expect(await (await put(app, action, body)).json()).toEqual({ result: "inline" });
    expect(blobs.objects.has(outputKey("default", sha256Hex(body)))).toBe(false);
    const calls = { ...blobs.calls };
    const hit = await app.request(routes.action(action));
    expect(Buffer.from(await hit.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
    expect(blobs.calls).toEqual(calls);
  });

  it("stores the empty output (go's most common put) and serves it", async () => {
    const { app } = makeTestApp({ core: { inlineMax: 0 } });
    const action = randomHex();
    expect((await put(app, action, new Uint8Array(0))).status).toBe(201);
    const hit = await app.request(routes.action(action));
    expect(hit.status).toBe(200);
    expect(hit.headers.get("content-length")).toBe("0");
  });

  it("uploads a known OutputID only once and still verifies the second body", async () => {
    const { app, blobs } = makeTestApp();
    const body = big(50_000);
    await put(app, randomHex(), body);
    const putsAfterFirst = blobs.calls.put;
    const second = await put(app, randomHex(), body);
    expect(await second.json()).toEqual({ result: "deduplicated" });
    // Only the record copy was written, not the output again.
    expect(blobs.calls.put).toBe(putsAfterFirst + 1);
    const forged = await put(app, randomHex(), big(50_000, 7), { [headers.outputId]: sha256Hex(body) });
    expect(forged.status).toBe(400);
  });

  it("refuses a sha256 mismatch and a truncated upload with 400, storing and indexing nothing", async () => {
    for (const inlineMax of [0, 1 << 20]) {
      const { app, blobs, index } = makeTestApp({ core: { inlineMax } });
      const body = big(4000);
      const mismatch = await put(app, randomHex(), body, { [headers.outputId]: sha256Hex(big(4000, 2)) });
      expect(mismatch.status).toBe(400);
      expect(await mismatch.json()).toEqual({ error: expect.stringContaining("sha256") });
      const truncated = await put(app, randomHex(), body.subarray(0, 1000), {
        [headers.outputId]: sha256Hex(body),
        "content-length": "4000",
      });
      expect(truncated.status).toBe(400);
      expect(blobs.objects.size).toBe(0);
      expect(index.records.size).toBe(0);
    }
  });

  it("links an action to an output already held (201) and refuses an unknown one with 409", async () => {
    const { app, index } = makeTestApp();
    const body = big(10_000);
    await put(app, randomHex(), body);
    const link = (outputHex: string, size: number) =>
      app.request(routes.action(randomHex()), {
        method: "PUT",
        headers: { [headers.outputId]: outputHex, [headers.outputSize]: String(size), "content-length": "0" },
      });
    expect((await link(sha256Hex(body), body.length)).status).toBe(201);
    expect(index.records.size).toBe(2);
    const unknown = await link(randomHex(), 10_000);
    expect(unknown.status).toBe(409);
    expect(await unknown.json()).toEqual({ error: expect.any(String) });
    expect((await link(sha256Hex(body), 9_999)).status).toBe(409);
    expect(index.records.size).toBe(2);
  });

  it("serves outputs by OutputID with GET and HEAD", async () => {
    const { app } = makeTestApp();
    const body = big(70_000);
    await put(app, randomHex(), body);
    const got = await app.request(routes.output(sha256Hex(body)));
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(body))).toBe(true);
    const head = await app.request(routes.output(sha256Hex(body)), { method: "HEAD" });
    expect([head.status, head.headers.get("content-length")]).toEqual([200, "70000"]);
    expect((await app.request(routes.output(randomHex()))).status).toBe(404);
  });
});

describe("input checks", () => {
  it("answers bad IDs with 400 and nothing stored", async () => {
    const { app, blobs } = makeTestApp();
    for (const bad of ["abc", randomHex().toUpperCase(), `${randomHex()}0`, "..%2F..%2Fetc%2Fpasswd"]) {
      const res = await app.request(routes.action(bad));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: expect.stringContaining("64 lowercase hex") });
      expect((await app.request(routes.output(bad))).status).toBe(400);
    }
    const badOutput = await put(app, randomHex(), big(10), { [headers.outputId]: "zz" });
    expect(badOutput.status).toBe(400);
    expect(blobs.calls.put).toBe(0);
  });

  it("requires Content-Length (411) and refuses an oversized body before reading it (413)", async () => {
    const { app, blobs } = makeTestApp({ maxBody: 1000 });
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
        controller.close();
      },
    });
    const noLength = await app.request(routes.action(randomHex()), {
      method: "PUT",
      body: chunked,
      headers: { [headers.outputId]: randomHex() },
      duplex: "half",
    } as RequestInit);
    expect(noLength.status).toBe(411);
    let pulled = false;
    // highWaterMark 0: the stream is only pulled when someone actually reads the body.
    const endless = new ReadableStream(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const tooBig = await app.request(routes.action(randomHex()), {
      method: "PUT",
      body: endless,
      headers: { [headers.outputId]: randomHex(), "content-length": "1001" },
      duplex: "half",
    } as RequestInit);
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ error: expect.stringContaining("1000") });
    expect(pulled).toBe(false);
    expect(blobs.calls.put).toBe(0);
  });

  it("refuses a link (Content-Length 0) declaring an output above --max-body with 413, logging no error", async () => {
    const { app, index, logs } = makeTestApp({ maxBody: 1000 });
    const body = big(1000);
    await put(app, randomHex(), body);
    for (const size of ["1001", String(Number.MAX_SAFE_INTEGER), "9999999999999999"]) {
      const res = await app.request(routes.action(randomHex()), {
        method: "PUT",
        headers: { [headers.outputId]: sha256Hex(body), [headers.outputSize]: size, "content-length": "0" },
      });
      expect(res.status, size).toBe(413);
      expect(await res.json()).toEqual({ error: expect.stringContaining("exceeds the server's limit of 1000 bytes") });
    }
    expect(index.records.size).toBe(1);
    expect(logs.text).not.toContain("unexpected error");
    expect(logs.text).not.toContain('"level":50');
  });

  it("answers unknown routes with 404 JSON", async () => {
    const { app } = makeTestApp();
    for (const path of ["/", "/v1/nothing", "/v2/actions/x"]) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: expect.stringContaining("no route") });
    }
  });

  it("labels request metrics with the matched route pattern, and every unmatched request as 'unmatched'", async () => {
    const { app, registry } = makeTestApp();
    const action = randomHex();
    await put(app, action, big(10));
    await app.request(routes.action(action), { method: "HEAD" });
    for (const path of ["/v1/nothing", "/v2/actions/x", `/v1/actions/${action}/extra`]) await app.request(path);
    const text = await registry.getSingleMetricAsString("gocacheprog_http_requests_total");
    expect(text).toMatch(/\{route="\/v1\/actions\/:id",method="PUT",status="201"\} 1/);
    expect(text).toMatch(/\{route="\/v1\/actions\/:id",method="HEAD",status="200"\} 1/);
    expect(text).toMatch(/\{route="unmatched",method="GET",status="404"\} 3/);
    expect(text).not.toContain(action);
  });
});
