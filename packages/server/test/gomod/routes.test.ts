import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { rebuildIndex } from "../../src/cache/records.ts";
import { GOMOD_NAMESPACE } from "../../src/storage/keys.ts";
import { FakeModuleUpstream, makeGomodApp, moduleZip } from "./helpers.ts";

const MOD = "github.com/!burnt!sushi/toml/@v";
const INFO = JSON.stringify({ Version: "v1.6.0", Time: "2025-12-18T00:00:00Z" });

/** `extra`: an incompressible file, to make the zip bigger than the inline threshold (1 KiB here). */
async function upstreamWithModule(extra = "") {
  const zip = await moduleZip("github.com/BurntSushi/toml@v1.6.0", {
    "go.mod": "module github.com/BurntSushi/toml\n",
    "toml.go": "package toml\n",
    ...(extra ? { "testdata/blob.txt": extra } : {}),
  });
  const fake = new FakeModuleUpstream()
    .add(`${MOD}/list`, "v1.5.0\nv1.6.0\n")
    .add(`${MOD}/v1.6.0.info`, INFO)
    .add(`${MOD}/v1.6.0.mod`, "module github.com/BurntSushi/toml\n")
    .add(`${MOD}/v1.6.0.zip`, zip);
  return { fake, zip };
}

/** Entries the module proxy holds in the index (its files, cached answers, sumdb data). */
function stored(index: { records: Map<string, unknown> }): number {
  return [...index.records.keys()].filter((key) => key.startsWith(`${GOMOD_NAMESPACE}/`)).length;
}

describe("/gomod: module files", () => {
  it("fills each file from the upstream once, then serves it from the store with go's content types", async () => {
    const { fake, zip } = await upstreamWithModule();
    const { app, index, metric } = makeGomodApp(fake);
    for (let round = 0; round < 2; round++) {
      const info = await app.request(`/gomod/${MOD}/v1.6.0.info`);
      expect([info.status, info.headers.get("content-type"), await info.text()]).toEqual([200, "application/json", INFO]);
      const mod = await app.request(`/gomod/${MOD}/v1.6.0.mod`);
      expect([mod.status, mod.headers.get("content-type")]).toEqual([200, "text/plain; charset=utf-8"]);
      const got = await app.request(`/gomod/${MOD}/v1.6.0.zip`);
      expect([got.status, got.headers.get("content-type"), got.headers.get("content-length")]).toEqual([
        200,
        "application/zip",
        String(zip.length),
      ]);
      expect(Buffer.from(await got.arrayBuffer()).equals(zip)).toBe(true);
    }
    for (const ext of ["info", "mod", "zip"]) expect(fake.count(`${MOD}/v1.6.0.${ext}`), ext).toBe(1);
    expect(stored(index)).toBe(3);
    expect(await metric("gocacheprog_gomod_requests_total", { kind: "zip", result: "miss" })).toBe(1);
    expect(await metric("gocacheprog_gomod_requests_total", { kind: "zip", result: "hit" })).toBe(1);
    expect(await metric("gocacheprog_gomod_bytes_total", { kind: "zip", direction: "upstream" })).toBe(zip.length);
    expect(await metric("gocacheprog_gomod_bytes_total", { kind: "zip", direction: "out" })).toBe(2 * zip.length);
    // The build cache's own counters are not the module proxy's.
    expect(await metric("gocacheprog_lookups_total")).toBe(0);
  });

  it("accepts go's percent-encoded case escapes (%21) and asks the upstream for the same file", async () => {
    const { fake } = await upstreamWithModule();
    const { app } = makeGomodApp(fake);
    const res = await app.request("/gomod/github.com/%21burnt%21sushi/toml/@v/v1.6.0.mod");
    expect(res.status).toBe(200);
    expect(fake.requests).toEqual([`${MOD}/v1.6.0.mod`]);
  });

  it("passes 404 and 410 through as text go prints, and stores nothing", async () => {
    const { fake } = await upstreamWithModule();
    fake.faults.set(`${MOD}/v1.7.0.info`, () => new Response("gone: retracted", { status: 410 }));
    const { app, index } = makeGomodApp(fake);
    for (let i = 0; i < 2; i++) {
      const missing = await app.request(`/gomod/${MOD}/v1.9.9.zip`);
      expect([missing.status, missing.headers.get("content-type"), await missing.text()]).toEqual([
        404,
        "text/plain; charset=utf-8",
        `not found: ${MOD}/v1.9.9.zip\n`,
      ]);
      const gone = await app.request(`/gomod/${MOD}/v1.7.0.info`);
      expect([gone.status, await gone.text()]).toEqual([410, "gone: retracted\n"]);
    }
    expect(fake.count(`${MOD}/v1.9.9.zip`)).toBe(2);
    expect(stored(index)).toBe(0);
  });

  it.each([
    ["encoded traversal", "/gomod/github.com/x/%2e%2e/%2e%2e/@v/list"],
    ["upper case not escaped", "/gomod/github.com/BurntSushi/toml/@v/list"],
    ["dangling escape", "/gomod/github.com/burnt!/toml/@v/list"],
    ["escaped non-letter", "/gomod/github.com/!0x/toml/@v/list"],
    ["no dot in the first element", "/gomod/localhost/x/@v/list"],
    ["bad percent-encoding", "/gomod/github.com/x/y/@v/%zz.info"],
    ["non-canonical zip", "/gomod/github.com/x/y/@v/v1.2.zip"],
    ["wrong major version", "/gomod/github.com/x/y/@v/v2.0.0.mod"],
    ["query as a mod", "/gomod/github.com/x/y/@v/master.mod"],
    ["version with an encoded slash", "/gomod/github.com/x/y/@v/v1.0.0%2F..%2F..%2Fv1.0.1.zip"],
    ["encoded path traversal", "/gomod/github.com/x/y%2F..%2F..%2F..%2Fetc/@v/list"],
    ["unknown file", "/gomod/github.com/x/y/@v/v1.0.0.tar"],
    ["no @v", "/gomod/github.com/x/y"],
    ["control character", "/gomod/github.com/x/y/@v/%0a.info"],
    ["bad sumdb name (userinfo, which go refuses too)", "/gomod/sumdb/user@sum.example/latest"],
    ["'..' elements in the sumdb name (%2F..)", "/gomod/sumdb/sum.golang.org%2F..%2F..%2Fadmin%2Fexport/supported"],
    ["a '.' element in the sumdb name", "/gomod/sumdb/sum.golang.org%2F.%2Fx/latest"],
    ["bad tile", "/gomod/sumdb/sum.example/tile/8/0/12"],
    ["bad lookup", "/gomod/sumdb/sum.example/lookup/github.com/x/y@latest"],
    ["partial tile too wide", "/gomod/sumdb/sum.example/tile/8/0/000.p/256"],
  ])("refuses a malformed request (%s) with 400 and never asks the upstream", async (_, path) => {
    const fake = new FakeModuleUpstream();
    const { app, index } = makeGomodApp(fake);
    const res = await app.request(path);
    expect([res.status, res.headers.get("content-type")]).toEqual([400, "text/plain; charset=utf-8"]);
    expect((await res.text()).length).toBeGreaterThan(5);
    expect(fake.requests).toEqual([]);
    expect(stored(index)).toBe(0);
  });

  it("never lets a literal '..' leave /gomod: the URL is normalized before routing", async () => {
    const fake = new FakeModuleUpstream();
    const { app } = makeGomodApp(fake);
    const res = await app.request("/gomod/github.com/x/../../../etc/@v/list");
    expect(res.status).toBe(404);
    expect(fake.requests).toEqual([]);
  });

  it("resolves queries (@v/<branch>.info, @latest) as mutable answers", async () => {
    const fake = new FakeModuleUpstream()
      .add("example.com/m/@v/main.info", JSON.stringify({ Version: "v0.0.0-20250101000000-abcdefabcdef" }))
      .add("example.com/m/@latest", JSON.stringify({ Version: "v1.2.3" }));
    const { app } = makeGomodApp(fake);
    expect(await (await app.request("/gomod/example.com/m/@v/main.info")).json()).toEqual({
      Version: "v0.0.0-20250101000000-abcdefabcdef",
    });
    expect(await (await app.request("/gomod/example.com/m/@latest")).json()).toEqual({ Version: "v1.2.3" });
    await app.request("/gomod/example.com/m/@latest");
    expect(fake.count("example.com/m/@latest")).toBe(1);
  });
});

describe("/gomod: storage", () => {
  it("keeps module files through a lost index: rebuild-index restores them from the record copies", async () => {
    const { fake, zip } = await upstreamWithModule();
    const { app, index, blobs } = makeGomodApp(fake);
    await app.request(`/gomod/${MOD}/v1.6.0.zip`);
    await app.request(`/gomod/${MOD}/v1.6.0.info`);
    index.records.clear();
    expect(await rebuildIndex(blobs, index)).toMatchObject({ restored: 2 });
    const again = await app.request(`/gomod/${MOD}/v1.6.0.zip`);
    expect(Buffer.from(await again.arrayBuffer()).equals(zip)).toBe(true);
    expect(await (await app.request(`/gomod/${MOD}/v1.6.0.info`)).text()).toBe(INFO);
    expect(fake.requests.length).toBe(2);
  });

  it("drops a stored zip that no longer matches its sha256 and fetches it again", async () => {
    const { fake, zip } = await upstreamWithModule(randomBytes(5000).toString("base64"));
    const { app, blobs, metric } = makeGomodApp(fake);
    await app.request(`/gomod/${MOD}/v1.6.0.zip`);
    const [key, object] = [...blobs.objects].find(([k]) => k.startsWith(`${GOMOD_NAMESPACE}/o/`))!;
    object.data = Buffer.from(object.data.map((b, i) => (i === 100 ? b ^ 1 : b)));
    const again = await app.request(`/gomod/${MOD}/v1.6.0.zip`);
    expect(Buffer.from(await again.arrayBuffer()).equals(zip)).toBe(true);
    expect(fake.count(`${MOD}/v1.6.0.zip`)).toBe(2);
    expect(await metric("gocacheprog_corrupt_blobs_total")).toBe(1);
    expect(blobs.objects.get(key)?.data.equals(zip)).toBe(true);
  });
});

describe("/gomod: immutable files in memory (--gomod-memory)", () => {
  it("serves a file it filled or read from memory, without reading the store again; mutable answers still expire", async () => {
    const { fake, zip } = await upstreamWithModule(randomBytes(5000).toString("base64"));
    let now = Date.now();
    const { app, blobs, metric } = makeGomodApp(fake, { memoryBytes: 1 << 20, now: () => now });
    await app.request(`/gomod/${MOD}/v1.6.0.zip`);
    // Damage the stored copy: a read from the store would find it corrupt and fetch it again.
    const [, object] = [...blobs.objects].find(([k]) => k.startsWith(`${GOMOD_NAMESPACE}/o/`))!;
    object.data = Buffer.from(object.data.map((b, i) => (i === 100 ? b ^ 1 : b)));
    for (let round = 0; round < 2; round++) {
      const again = await app.request(`/gomod/${MOD}/v1.6.0.zip`);
      expect(Buffer.from(await again.arrayBuffer()).equals(zip)).toBe(true);
    }
    expect(fake.count(`${MOD}/v1.6.0.zip`)).toBe(1);
    expect(await metric("gocacheprog_corrupt_blobs_total")).toBe(0);
    expect(await metric("gocacheprog_gomod_requests_total", { kind: "zip", result: "hit" })).toBe(2);

    const list = `/gomod/${MOD}/list`;
    await app.request(list);
    now += 61_000;
    await app.request(list);
    expect(fake.count(`${MOD}/list`)).toBe(2);
  });

  it("keeps a file read back from the store, a streamed one read whole and checked first; a corrupt one is fetched again", async () => {
    // Bigger than the test store's verify-buffer (64 KiB): read from the store as a checked stream.
    const { fake, zip } = await upstreamWithModule(randomBytes(70_000).toString("base64"));
    const zipPath = `/gomod/${MOD}/v1.6.0.zip`;
    // Filled by a server without memory, so the one under test finds it in the (shared) store only.
    const cold = makeGomodApp(fake);
    await cold.app.request(zipPath);
    const share = (to: ReturnType<typeof makeGomodApp>, damaged: boolean) => {
      for (const [key, object] of cold.blobs.objects) {
        const data =
          damaged && key.startsWith(`${GOMOD_NAMESPACE}/o/`)
            ? Buffer.from(object.data.map((b, i) => (i === 100 ? b ^ 1 : b)))
            : object.data;
        to.blobs.objects.set(key, { ...object, data });
      }
      for (const [key, record] of cold.index.records) to.index.records.set(key, record);
    };

    const warm = makeGomodApp(fake, { memoryBytes: 1 << 20 });
    share(warm, false);
    for (let round = 0; round < 2; round++) {
      expect(Buffer.from(await (await warm.app.request(zipPath)).arrayBuffer()).equals(zip)).toBe(true);
      // After the first read the store is no longer asked: damage it.
      for (const object of warm.blobs.objects.values()) object.data = Buffer.alloc(object.data.length);
    }
    expect(fake.count(`${MOD}/v1.6.0.zip`)).toBe(1);

    const damaged = makeGomodApp(fake, { memoryBytes: 1 << 20 });
    share(damaged, true);
    expect(Buffer.from(await (await damaged.app.request(zipPath)).arrayBuffer()).equals(zip)).toBe(true);
    expect(fake.count(`${MOD}/v1.6.0.zip`)).toBe(2);
    expect(await damaged.metric("gocacheprog_corrupt_blobs_total")).toBe(1);
  });
});

describe("/gomod: refreshing mutable answers", () => {
  it("serves @v/list from the store within the TTL, asks again after it, and serves it stale when the upstream fails", async () => {
    const { fake } = await upstreamWithModule();
    let now = Date.now();
    const { app, metric } = makeGomodApp(fake, { mutableTtlMs: 60_000, now: () => now });
    const list = `/gomod/${MOD}/list`;
    expect(await (await app.request(list)).text()).toBe("v1.5.0\nv1.6.0\n");
    await app.request(list);
    expect(fake.count(`${MOD}/list`)).toBe(1);

    now += 61_000;
    fake.add(`${MOD}/list`, "v1.5.0\nv1.6.0\nv1.7.0\n");
    expect(await (await app.request(list)).text()).toBe("v1.5.0\nv1.6.0\nv1.7.0\n");
    expect(fake.count(`${MOD}/list`)).toBe(2);

    now += 61_000;
    fake.faults.set(`${MOD}/list`, () => new Response("upstream exploded", { status: 500 }));
    const stale = await app.request(list);
    expect([stale.status, await stale.text()]).toEqual([200, "v1.5.0\nv1.6.0\nv1.7.0\n"]);
    expect(await metric("gocacheprog_gomod_requests_total", { kind: "list", result: "stale" })).toBe(1);

    // Within 30 s of the failure the stale answer comes at once, without another (maybe hung) upstream call.
    now += 29_000;
    expect(await (await app.request(list)).text()).toBe("v1.5.0\nv1.6.0\nv1.7.0\n");
    expect(fake.count(`${MOD}/list`)).toBe(3);
    expect(await metric("gocacheprog_gomod_requests_total", { kind: "list", result: "stale" })).toBe(2);

    now += 2_000;
    fake.faults.set(`${MOD}/list`, () => new Response("no such module", { status: 404 }));
    expect((await app.request(list)).status).toBe(404);
    expect(fake.count(`${MOD}/list`)).toBe(4);
  });

  it("has nothing to serve stale on a first request: the upstream's failure is a clear 502", async () => {
    const fake = new FakeModuleUpstream();
    fake.faults.set("example.com/m/@v/list", () => new Response("upstream exploded", { status: 500 }));
    const { app } = makeGomodApp(fake);
    const res = await app.request("/gomod/example.com/m/@v/list");
    expect(res.status).toBe(502);
    // The upstream is named by its place in the list: its address (maybe internal) stays in the log.
    expect(await res.text()).toMatch(/^upstream 1 answered 500: upstream exploded/);
  });
});

describe("/gomod: one upstream fetch per file", () => {
  it("makes concurrent requests for one zip wait for a single fill", async () => {
    const { fake, zip } = await upstreamWithModule();
    const { app, metric } = makeGomodApp(fake);
    const release = fake.hold(`${MOD}/v1.6.0.zip`);
    const first = app.request(`/gomod/${MOD}/v1.6.0.zip`);
    while (fake.count(`${MOD}/v1.6.0.zip`) === 0) await new Promise((r) => setTimeout(r, 1));
    const second = app.request(`/gomod/${MOD}/v1.6.0.zip`);
    while ((await metric("gocacheprog_gomod_coalesced_total", { kind: "zip" })) === 0) await new Promise((r) => setTimeout(r, 1));
    release();
    const bodies = await Promise.all([first, second].map(async (p) => Buffer.from(await (await p).arrayBuffer())));
    expect(bodies.map((b) => b.equals(zip))).toEqual([true, true]);
    expect(fake.count(`${MOD}/v1.6.0.zip`)).toBe(1);
  });
});
