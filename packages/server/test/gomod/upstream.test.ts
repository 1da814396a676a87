import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigError } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { parseUpstreams, Upstream } from "../../src/gomod/upstream.ts";
import { GOMOD_NAMESPACE } from "../../src/storage/keys.ts";
import { TOKENS } from "../support/fakes.ts";
import { FakeModuleUpstream, makeGomodApp, moduleZip } from "./helpers.ts";

const ZIP = "example.com/m/@v/v1.0.0.zip";
const goodZip = () => moduleZip("example.com/m@v1.0.0", { "go.mod": "module example.com/m\n", "m.go": "package m\n".repeat(50) });

function stored(index: { records: Map<string, unknown> }): number {
  return [...index.records.keys()].filter((key) => key.startsWith(`${GOMOD_NAMESPACE}/`)).length;
}

function streamThatBreaks(data: Buffer): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new Uint8Array(data.subarray(0, data.length >> 1)));
      controller.error(new TypeError("terminated", { cause: new Error("other side closed") }));
    },
  });
}

describe("--gomod-upstream", () => {
  it("reads go's GOPROXY list syntax", () => {
    expect(parseUpstreams("off")).toEqual([]);
    expect(parseUpstreams("")).toEqual([]);
    expect(parseUpstreams("https://a.example/p/, http://b.example|https://c.example,off,https://ignored.example")).toEqual([
      { base: "https://a.example/p", fallBackOnError: false },
      { base: "http://b.example", fallBackOnError: true },
      { base: "https://c.example", fallBackOnError: false },
    ]);
    expect(parseUpstreams("https://user:p%40ss@a.example")).toEqual([
      { base: "https://a.example", fallBackOnError: false, authorization: `Basic ${Buffer.from("user:p@ss").toString("base64")}` },
    ]);
  });

  it("refuses direct, non-http URLs and queries, without echoing credentials", () => {
    expect(() => parseUpstreams("https://a.example,direct")).toThrow(/"direct" is not supported/);
    expect(() => parseUpstreams("ftp://a.example")).toThrow(ConfigError);
    expect(() => parseUpstreams("https://a.example/?x=1")).toThrow(ConfigError);
    expect(() => parseUpstreams("not a url")).toThrow(ConfigError);
    let message = "";
    try {
      parseUpstreams("https://u:secret-password@a.example,file:///x");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/entry 2 must be http/);
    expect(message).not.toContain("secret-password");
  });
});

describe("/gomod: what the upstream sends is checked before it is stored", () => {
  it.each([
    [
      "a corrupt zip (same length, bytes flipped)",
      async (zip: Buffer) => new Response(new Uint8Array(zip.map((b, i) => (i % 7 === 3 ? b ^ 0x5a : b)))),
    ],
    [
      "a corrupt zip of announced length (held in memory)",
      async (zip: Buffer) =>
        new Response(new Uint8Array(zip.map((b, i) => (i % 7 === 3 ? b ^ 0x5a : b))), {
          headers: { "content-length": String(zip.length) },
        }),
    ],
    [
      "a truncated zip (connection cut)",
      async (zip: Buffer) => new Response(streamThatBreaks(zip), { headers: { "content-length": String(zip.length) } }),
    ],
    [
      "a zip shorter than announced",
      async (zip: Buffer) => new Response(new Uint8Array(zip.subarray(0, 100)), { headers: { "content-length": String(zip.length) } }),
    ],
    [
      "a zip longer than announced",
      async (zip: Buffer) =>
        new Response(new Uint8Array(Buffer.concat([zip, Buffer.from("trailing")])), { headers: { "content-length": String(zip.length) } }),
    ],
    ["not a zip at all", async () => new Response("<html>proxy error page</html>")],
    ["a malformed Content-Length", async (zip: Buffer) => new Response(new Uint8Array(zip), { headers: { "content-length": "12abc" } })],
    [
      "a zip with a file outside <path>@<version>/",
      async () => new Response(new Uint8Array(await moduleZip("example.com/other@v1.0.0", { "go.mod": "module example.com/other\n" }))),
    ],
  ])("%s: 502, nothing stored, and the next request asks again", async (_, answer) => {
    const zip = await goodZip();
    const fake = new FakeModuleUpstream().add(ZIP, zip);
    fake.faults.set(ZIP, () => answer(zip));
    const { app, index, metric } = makeGomodApp(fake);
    const res = await app.request(`/gomod/${ZIP}`);
    expect([res.status, res.headers.get("content-type")]).toEqual([502, "text/plain; charset=utf-8"]);
    expect(await res.text()).toMatch(/zip|bytes|other side closed|terminated/);
    expect(stored(index)).toBe(0);
    expect(await metric("gocacheprog_gomod_requests_total", { kind: "zip", result: "error" })).toBe(1);

    fake.faults.delete(ZIP);
    const again = await app.request(`/gomod/${ZIP}`);
    expect(Buffer.from(await again.arrayBuffer()).equals(zip)).toBe(true);
    expect(fake.count(ZIP)).toBe(2);
  });

  it("refuses a zip above --gomod-zip-max, announced or not, with 502 and stores nothing", async () => {
    const zip = await goodZip();
    const fake = new FakeModuleUpstream().add(ZIP, zip);
    const { app, index, metric } = makeGomodApp(fake, { zipMax: zip.length - 1 });
    expect((await app.request(`/gomod/${ZIP}`)).status).toBe(502);
    fake.faults.set(ZIP, () => new Response(new Uint8Array(zip)));
    const res = await app.request(`/gomod/${ZIP}`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/more than the limit/);
    expect(await metric("gocacheprog_gomod_upstream_fetches_total", { outcome: "too-large" })).toBe(2);
    expect(stored(index)).toBe(0);
  });

  it("answers 504 when the upstream stays silent past --gomod-upstream-timeout", async () => {
    const fake = new FakeModuleUpstream().add(ZIP, await goodZip());
    fake.hold(ZIP);
    const { app, index } = makeGomodApp(fake, { timeoutMs: 50 });
    const res = await app.request(`/gomod/${ZIP}`);
    expect(res.status).toBe(504);
    expect(await res.text()).toMatch(/silent for 50 ms/);
    expect(stored(index)).toBe(0);
  });

  it.each([
    ["an .info for another version", "example.com/m/@v/v1.0.0.info", JSON.stringify({ Version: "v1.0.1" })],
    ["an .info that is not JSON", "example.com/m/@v/v1.0.0.info", "{"],
    ["a go.mod that is not text", "example.com/m/@v/v1.0.0.mod", "\u0000\u00ff"],
    [
      "a go.mod without a module directive (a sign-in page answered with 200)",
      "example.com/m/@v/v1.0.0.mod",
      "<html>Please sign in</html>",
    ],
    ["an @latest without a canonical version", "example.com/m/@latest", JSON.stringify({ Version: "master" })],
    ["a hash tile of the wrong size", "sumdb/sum.example/tile/8/0/000", "x".repeat(100)],
    ["a partial tile of the wrong size", "sumdb/sum.example/tile/8/0/000.p/3", "x".repeat(100)],
    ["an unsigned tree head", "sumdb/sum.example/latest", "go.sum database tree\n8\nhash\n"],
    ["a lookup without a record number", "sumdb/sum.example/lookup/example.com/m@v1.0.0", "x\n\n\u2014 sum.example sig\n"],
  ])("refuses %s with 502", async (_, file, body) => {
    const fake = new FakeModuleUpstream().add(file, body);
    const { app, index } = makeGomodApp(fake);
    const res = await app.request(`/gomod/${file}`);
    expect(res.status).toBe(502);
    expect(stored(index)).toBe(0);
  });

  it("keeps checksum database data: lookups and full tiles for good, the tree head and partial tiles for the TTL", async () => {
    const note = "go.sum database tree\n8\nhash=\n\n\u2014 sum.example abc=\n";
    const fake = new FakeModuleUpstream()
      .add("sumdb/sum.example/supported", "")
      .add("sumdb/sum.example/latest", note)
      .add("sumdb/sum.example/lookup/example.com/m@v1.0.0", `3\nexample.com/m v1.0.0 h1:x=\n\n${note}`)
      .add("sumdb/sum.example/tile/8/0/000", Buffer.alloc(256 * 32))
      .add("sumdb/sum.example/tile/8/0/001.p/3", Buffer.alloc(3 * 32))
      .add("sumdb/sum.example/tile/8/data/000", "example.com/m v1.0.0 h1:x=\n");
    let now = Date.now();
    const { app } = makeGomodApp(fake, { now: () => now });
    const files = [...fake.files.keys()];
    for (let round = 0; round < 2; round++) {
      for (const file of files) expect((await app.request(`/gomod/${file}`)).status, file).toBe(200);
      now += 120_000;
    }
    const counts = Object.fromEntries(files.map((f) => [f.slice("sumdb/sum.example/".length), fake.count(f)]));
    expect(counts).toEqual({
      supported: 2,
      latest: 2,
      "lookup/example.com/m@v1.0.0": 1,
      "tile/8/0/000": 1,
      "tile/8/0/001.p/3": 2,
      "tile/8/data/000": 1,
    });
  });
});

describe("Upstream bodies", () => {
  const body = Buffer.from("x".repeat(1000));
  const upstream = (length: string | undefined) =>
    new Upstream([{ base: "http://up.example", fallBackOnError: false }], {
      timeoutMs: 5_000,
      fetch: async () => new Response(new Uint8Array(body), { headers: length === undefined ? {} : { "content-length": length } }),
    });

  it("holds a body of announced length up to spoolAbove in memory, and spools a larger or unannounced one, hashed", async () => {
    const inMemory = await upstream("1000").get(ZIP, { maxBytes: 1 << 20, spoolAbove: 1000 }, 0);
    expect(inMemory).toEqual({ found: true, body });
    for (const [length, spoolAbove] of [
      ["1000", 999],
      [undefined, 1 << 20],
    ] as const) {
      const up = upstream(length);
      const spooled = await up.get(ZIP, { maxBytes: 1 << 20, spoolAbove }, 0);
      expect(spooled).toMatchObject({ found: true, size: 1000, sha256Hex: createHash("sha256").update(body).digest("hex") });
      expect(await readFile((spooled as { file: string }).file)).toEqual(body);
      await up.close();
    }
    expect(await upstream(undefined).get(ZIP, { maxBytes: 1 << 20 }, 0)).toEqual({ found: true, body });
  });
});

describe("/gomod: the upstream list", () => {
  it("moves to the next entry on 404 after ',' and on any error after '|', like go", async () => {
    const zip = await goodZip();
    const a = new FakeModuleUpstream("http://a.test");
    const b = new FakeModuleUpstream("http://b.test").add(ZIP, zip);
    const both: typeof fetch = (input, init) => (String(input).startsWith(a.base) ? a.fetch(input, init) : b.fetch(input, init));
    const viaComma = makeGomodApp(Object.assign(new FakeModuleUpstream(), { fetch: both }), { upstream: `${a.base},${b.base}` });
    expect((await viaComma.app.request(`/gomod/${ZIP}`)).status).toBe(200);

    a.faults.set("example.com/m/@v/v1.0.0.mod", () => new Response("down", { status: 503 }));
    b.add("example.com/m/@v/v1.0.0.mod", "module example.com/m\n");
    const failed = await viaComma.app.request("/gomod/example.com/m/@v/v1.0.0.mod");
    expect([failed.status, await failed.text()]).toEqual([502, "upstream 1 answered 503: down\n"]);
    const viaPipe = makeGomodApp(Object.assign(new FakeModuleUpstream(), { fetch: both }), { upstream: `${a.base}|${b.base}` });
    expect((await viaPipe.app.request("/gomod/example.com/m/@v/v1.0.0.mod")).status).toBe(200);
  });

  it("with 'off', answers from the cache only: a miss is 404 and the upstream is never asked", async () => {
    const fake = new FakeModuleUpstream().add(ZIP, await goodZip());
    const { app } = makeGomodApp(fake, { upstream: "off" });
    const res = await app.request(`/gomod/${ZIP}`);
    expect([res.status, await res.text()]).toEqual([404, "not in the module cache, and the upstream is off\n"]);
    expect(fake.requests).toEqual([]);
  });

  it("refuses a request that already went through several proxies (an upstream list leading back here)", async () => {
    const fake = new FakeModuleUpstream();
    const { app } = makeGomodApp(fake);
    const res = await app.request(`/gomod/${ZIP}`, { headers: { "x-gocacheprog-gomod-hops": "4" } });
    expect(res.status).toBe(508);
    expect(fake.requests).toEqual([]);
  });
});

describe("/gomod: tokens", () => {
  const tokens = `${TOKENS.reader} read team-a`;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

  it("wants a token when tokens are configured, as a Basic password (go's only way) or a bearer token", async () => {
    const fake = new FakeModuleUpstream().add("example.com/m/@v/list", "v1.0.0\n");
    const { app } = makeGomodApp(fake, { tokens });
    const none = await app.request("/gomod/example.com/m/@v/list");
    expect([none.status, none.headers.get("www-authenticate")]).toEqual([401, 'Basic realm="gocacheprog"']);
    expect(await none.text()).toMatch(/GOPROXY \(https:\/\/user:TOKEN@host\/gomod\)/);
    for (const bad of [basic("x", "wrong-token-wrong-token"), basic(TOKENS.reader, ""), `Bearer ${TOKENS.writer}`]) {
      expect((await app.request("/gomod/example.com/m/@v/list", { headers: { authorization: bad } })).status, bad).toBe(401);
    }
    expect(fake.requests).toEqual([]);
    for (const good of [basic("x", TOKENS.reader), basic("", TOKENS.reader), `Bearer ${TOKENS.reader}`]) {
      expect((await app.request("/gomod/example.com/m/@v/list", { headers: { authorization: good } })).status, good).toBe(200);
    }
  });

  it("with --gomod-anonymous, lets go read /gomod without credentials, but a wrong token is still refused and /v1 still wants one", async () => {
    const fake = new FakeModuleUpstream().add("example.com/m/@v/list", "v1.0.0\n");
    const { app } = makeGomodApp(fake, { tokens, anonymous: true });
    expect((await app.request("/gomod/example.com/m/@v/list")).status).toBe(200);
    expect(
      (await app.request("/gomod/example.com/m/@v/list", { headers: { authorization: basic("x", "wrong-token-wrong-token") } })).status,
    ).toBe(401);
    expect((await app.request(`/v1/actions/${"a".repeat(64)}`)).status).toBe(401);
  });
});
