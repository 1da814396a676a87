import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createGomod } from "../../src/gomod/wiring.ts";
import { makeTestApp } from "../support/fakes.ts";

/** What the server asks its upstream for, and what it does with the answer's framing (fetch stubbed). */

function proxyOver(upstream: string, fetchImpl: typeof fetch) {
  const settings = {
    gomodUpstream: upstream,
    gomodAnonymous: true,
    gomodUpstreamTimeout: 2000,
    gomodZipMax: 1 << 20,
    gomodMutableTtl: 60_000,
    gomodMemory: 0,
  };
  return makeTestApp({ gomod: (deps) => createGomod(settings, { ...deps, fetch: fetchImpl }) });
}

describe("/gomod: the upstream's base path", () => {
  it("never sends a path with '..' upstream: a %2F.. in a checksum database name is 400 and no request is made", async () => {
    const asked: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      asked.push(new URL(String(input)).href);
      return new Response("secret\n", { status: 200, headers: { "content-length": "7" } });
    };
    const { app, index } = proxyOver("https://user:pw@artifactory.test/api/go/golang-remote", fetchImpl);
    for (const path of [
      "/gomod/sumdb/sum.golang.org%2F..%2F..%2Fadmin%2Fexport/supported",
      "/gomod/sumdb/sum.golang.org%2F..%2F..%2F..%2F..%2Fadmin/latest",
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      expect(await res.text()).toMatch(/"\." or "\.\." elements/);
    }
    expect(asked).toEqual([]);
    expect(index.records.size).toBe(0);
    // The same name without them goes to the upstream, below its base path.
    expect((await app.request("/gomod/sumdb/sum.golang.org/supported")).status).toBe(200);
    expect(asked).toEqual(["https://artifactory.test/api/go/golang-remote/sumdb/sum.golang.org/supported"]);
  });

  it("asks for files as go writes them: '@' and '+' unescaped (a proxy routing on the raw path would miss %40v)", async () => {
    const asked: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      asked.push(new URL(String(input)).pathname);
      return new Response("module example.com/m\n", { status: 200 });
    };
    const { app } = proxyOver("https://proxy.test/go", fetchImpl);
    expect((await app.request("/gomod/example.com/m/@v/v2.0.0+incompatible.mod")).status).toBe(200);
    expect(asked).toEqual(["/go/example.com/m/@v/v2.0.0+incompatible.mod"]);
  });

  it("takes an upstream's compressed answer by its decoded bytes, and reads at most 4 KiB of an error page", async () => {
    const gzipped = gzipSync("module example.com/m\n");
    let errorPageRead = 0;
    const fetchImpl: typeof fetch = async (input) => {
      if (String(input).endsWith("v1.0.0.mod"))
        return new Response(gzipped, { status: 200, headers: { "content-encoding": "gzip", "content-length": String(gzipped.length) } });
      // An endless error page: only its start may be read.
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          errorPageRead += 1024;
          controller.enqueue(new Uint8Array(1024).fill(0x61));
        },
      });
      return new Response(endless, { status: 500 });
    };
    // What fetch does with a compressed body: decodes it, keeping the encoded length's header.
    const { app } = proxyOver("https://proxy.test/go", async (input, init) => {
      const res = await fetchImpl(input, init);
      if (res.headers.get("content-encoding") !== "gzip") return res;
      return new Response(gunzipSync(Buffer.from(await res.arrayBuffer())), { status: 200, headers: res.headers });
    });
    const mod = await app.request("/gomod/example.com/m/@v/v1.0.0.mod");
    expect([mod.status, await mod.text()]).toEqual([200, "module example.com/m\n"]);
    const failed = await app.request("/gomod/example.com/m/@v/list");
    expect(failed.status).toBe(502);
    expect(errorPageRead).toBeLessThanOrEqual(8 * 1024);
  });

  it("tells go why an upstream failed by its error code, the address only to the log, once for many requests", async () => {
    const { app, logs } = proxyOver("https://proxy.internal.test/go", async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:3000"), { code: "ECONNREFUSED" }),
      });
    });
    for (let i = 0; i < 3; i++) {
      const res = await app.request("/gomod/example.com/m/@v/list");
      expect([res.status, await res.text()]).toEqual([502, "upstream 1: ECONNREFUSED\n"]);
    }
    expect(logs.text.match(/module proxy upstream failed/g)).toHaveLength(1);
    expect(logs.text).toContain("connect ECONNREFUSED 10.0.0.5:3000");
    expect(logs.text).toContain("https://proxy.internal.test/go");
  });
});
