import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { GOMOD_NAMESPACE, gomodEntryId } from "../../src/storage/keys.ts";
import { LogCapture } from "../support/fakes.ts";
import { FakeModuleUpstream, makeGomodApp, moduleZip } from "./helpers.ts";

// DELETE /gomod/<module>/@v/<version> over the fake stores (the e2e twin, test/gomod-purge.test.ts,
// runs the real server on both storages against a loopback upstream).
const MOD = "github.com/!burnt!sushi/toml/@v";
const VERSION = `/gomod/${MOD}/v1.6.0`;
const ADMIN = "admin-token-aaaaaaaaaaaaaaaaaa";
const WRITER = "writer-token-bbbbbbbbbbbbbbbb";
const READER = "reader-token-cccccccccccccccc";
const TOKENS = `${ADMIN} admin ops\n${WRITER} read-write team\n${READER} read team`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const logger = createLogger("silent", new LogCapture());

/** A zip above the test store's inline threshold (1 KiB), so it is a blob of its own. */
async function upstream() {
  const zip = await moduleZip("github.com/BurntSushi/toml@v1.6.0", {
    "go.mod": "module github.com/BurntSushi/toml\n",
    "blob.txt": randomBytes(3000).toString("base64"),
  });
  const fake = new FakeModuleUpstream()
    .add(`${MOD}/list`, "v1.6.0\n")
    .add(`github.com/!burnt!sushi/toml/@latest`, JSON.stringify({ Version: "v1.6.0" }))
    .add(`${MOD}/v1.6.0.info`, JSON.stringify({ Version: "v1.6.0" }))
    .add(`${MOD}/v1.6.0.mod`, "module github.com/BurntSushi/toml\n")
    .add(`${MOD}/v1.6.0.zip`, zip);
  return fake;
}

async function fill(app: ReturnType<typeof makeGomodApp>["app"], headers: Record<string, string> = bearer(READER)) {
  for (const file of ["v1.6.0.info", "v1.6.0.mod", "v1.6.0.zip", "list"])
    expect((await app.request(`/gomod/${MOD}/${file}`, { headers })).status).toBe(200);
  expect((await app.request("/gomod/github.com/!burnt!sushi/toml/@latest", { headers })).status).toBe(200);
}

function purge(app: ReturnType<typeof makeGomodApp>["app"], path: string, headers: Record<string, string>) {
  return app.request(path, { method: "DELETE", headers });
}

const fetches = (fake: FakeModuleUpstream) => ["v1.6.0.info", "v1.6.0.mod", "v1.6.0.zip", "list"].map((f) => fake.count(`${MOD}/${f}`));

describe("DELETE /gomod/<module>/@v/<version>", () => {
  it("an admin's purge removes the version's files, blob and counters included, and drops list and @latest; GETs fetch them again", async () => {
    const fake = await upstream();
    const { app, blobs, index, metric } = makeGomodApp(fake, { tokens: TOKENS });
    await fill(app);
    await fill(app);
    expect(fetches(fake)).toEqual([1, 1, 1, 1]);
    expect((await index.usage()).get(GOMOD_NAMESPACE)?.entries).toBe(5);

    // Basic with the token as password, as go sends it, works as well as a bearer header.
    const basic = { authorization: `Basic ${Buffer.from(`ops:${ADMIN}`).toString("base64")}` };
    const res = await purge(app, VERSION, basic);
    expect([res.status, await res.text()]).toEqual([204, ""]);
    expect((await index.usage()).get(GOMOD_NAMESPACE) ?? { entries: 0, bytes: 0 }).toEqual({ entries: 0, bytes: 0 });
    expect([...blobs.objects.keys()].filter((key) => key.startsWith(`${GOMOD_NAMESPACE}/`))).toEqual([]);
    for (const kind of ["info", "mod", "zip", "list", "latest"])
      expect(await metric("gocacheprog_gomod_purged_total", { kind }), kind).toBe(1);

    await fill(app);
    expect(fetches(fake)).toEqual([2, 2, 2, 2]);
    expect(fake.count("github.com/!burnt!sushi/toml/@latest")).toBe(2);
    // gc finds the counters exact: nothing to correct, nothing left behind.
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 0, maxSizeBytes: 0, graceMs: 0 }, Date.now() + 60_000);
    expect([report.gomod.entries, report.orphanOutputs]).toEqual([5, 0]);
  });

  it("refuses read and read-write tokens (403) and no token (401), removing nothing", async () => {
    const fake = await upstream();
    const { app } = makeGomodApp(fake, { tokens: TOKENS });
    await fill(app);
    for (const token of [READER, WRITER]) {
      const res = await purge(app, VERSION, bearer(token));
      expect([res.status, res.headers.get("content-type"), await res.text()]).toEqual([
        403,
        "text/plain; charset=utf-8",
        "purging module files needs an admin token\n",
      ]);
    }
    const anonymous = await purge(app, VERSION, {});
    expect([anonymous.status, anonymous.headers.get("www-authenticate")]).toEqual([401, 'Basic realm="gocacheprog"']);
    await fill(app);
    expect(fetches(fake)).toEqual([1, 1, 1, 1]);
  });

  it("never lets --gomod-anonymous purge; a server without tokens (open access) does, as it lets anyone write", async () => {
    const fake = await upstream();
    const anonymous = makeGomodApp(fake, { tokens: TOKENS, anonymous: true });
    await fill(anonymous.app, {});
    expect((await purge(anonymous.app, VERSION, {})).status).toBe(403);
    const open = makeGomodApp(fake, { anonymous: true });
    await fill(open.app, {});
    expect((await purge(open.app, VERSION, {})).status).toBe(204);
  });

  it.each([
    ["a query, not a version", `/gomod/${MOD}/master`],
    ["a non-canonical version", `/gomod/${MOD}/v1.6`],
    ["a file, not a version", `/gomod/${MOD}/v1.6.0.zip`],
    ["the list", `/gomod/${MOD}/list`],
    ["@latest", "/gomod/github.com/!burnt!sushi/toml/@latest"],
    ["upper case not escaped", "/gomod/github.com/BurntSushi/toml/@v/v1.6.0"],
    ["wrong major version", `/gomod/${MOD}/v2.0.0`],
    ["encoded traversal", "/gomod/github.com/x/%2e%2e/%2e%2e/@v/v1.0.0"],
    ["encoded slash in the version", `/gomod/${MOD}/v1.6.0%2F..%2Fv1.5.0`],
    ["checksum database data", "/gomod/sumdb/sum.example/lookup/github.com/x/y@v1.0.0"],
  ])("refuses %s with 400 and removes nothing", async (_, path) => {
    const fake = await upstream();
    const { app, index } = makeGomodApp(fake, { tokens: TOKENS });
    await fill(app);
    const requests = fake.requests.length;
    const res = await purge(app, path, bearer(ADMIN));
    expect([res.status, res.headers.get("content-type")]).toEqual([400, "text/plain; charset=utf-8"]);
    expect((await res.text()).length).toBeGreaterThan(10);
    expect(index.records.size).toBe(5);
    expect(fake.requests.length).toBe(requests);
  });

  it("drops the module's list and @latest even when the version's files are gone (a retry after a half-done purge); 404 once nothing is left", async () => {
    const fake = await upstream();
    const { app, index, metric } = makeGomodApp(fake, { tokens: TOKENS });
    await fill(app);
    expect((await purge(app, `/gomod/${MOD}/v1.5.0`, bearer(ADMIN))).status).toBe(204);
    expect(index.records.size).toBe(3);
    expect(await metric("gocacheprog_gomod_purged_total")).toBe(2);
    const again = await purge(app, `/gomod/${MOD}/v1.5.0`, bearer(ADMIN));
    expect([again.status, await again.text()]).toEqual([
      404,
      "github.com/BurntSushi/toml@v1.5.0: nothing of this version or module is stored here\n",
    ]);
    expect(index.records.size).toBe(3);
    expect(fake.requests.some((file) => file.includes("v1.5.0"))).toBe(false);
  });

  it("keeps no memory copy of a file whose fill was under way when a purge began", async () => {
    const fake = await upstream();
    const { app, core } = makeGomodApp(fake, { tokens: TOKENS, memoryBytes: 1 << 20 });
    const zip = `${MOD}/v1.6.0.zip`;
    const get = () => app.request(`/gomod/${zip}`, { headers: bearer(READER) });
    const release = fake.hold(zip);
    const first = get();
    while (fake.count(zip) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    expect((await purge(app, VERSION, bearer(ADMIN))).status).toBe(404);
    release();
    expect((await first).status).toBe(200);
    // The fill stored what the upstream sent; without a memory copy, a purge elsewhere is seen at once.
    await core.remove(GOMOD_NAMESPACE, gomodEntryId("zip", zip), { output: true });
    expect((await get()).status).toBe(200);
    expect(fake.count(zip)).toBe(2);
  });

  it("leaves a .mod blob another version shares to gc: that version is still served from the store", async () => {
    // Big enough for a blob, and byte for byte the same in both versions (content-addressed: one blob).
    const mod = `module github.com/BurntSushi/toml\n\n// ${"x".repeat(2000)}\n`;
    const fake = (await upstream()).add(`${MOD}/v1.5.0.mod`, mod).add(`${MOD}/v1.6.0.mod`, mod);
    const { app } = makeGomodApp(fake, { tokens: TOKENS });
    for (const v of ["v1.5.0", "v1.6.0"])
      expect(await (await app.request(`/gomod/${MOD}/${v}.mod`, { headers: bearer(READER) })).text()).toBe(mod);
    expect((await purge(app, VERSION, bearer(ADMIN))).status).toBe(204);
    expect(await (await app.request(`/gomod/${MOD}/v1.5.0.mod`, { headers: bearer(READER) })).text()).toBe(mod);
    expect([fake.count(`${MOD}/v1.5.0.mod`), fake.count(`${MOD}/v1.6.0.mod`)]).toEqual([1, 1]);
  });

  it("drops this replica's memory copy at once, and another replica's at its next check that the store still holds it, before serving it", async () => {
    const fake = await upstream();
    let now = Date.now();
    const { app, core } = makeGomodApp(fake, { tokens: TOKENS, memoryBytes: 1 << 20, now: () => now });
    await fill(app);
    expect((await purge(app, VERSION, bearer(ADMIN))).status).toBe(204);
    await fill(app);
    expect(fetches(fake)).toEqual([2, 2, 2, 2]);

    // Another replica's purge: the shared store loses the zip, this replica's memory still holds it.
    const zip = `${MOD}/v1.6.0.zip`;
    await core.remove(GOMOD_NAMESPACE, gomodEntryId("zip", zip), { output: true });
    const get = () => app.request(`/gomod/${zip}`, { headers: bearer(READER) });
    expect((await get()).status).toBe(200);
    expect(fake.count(zip)).toBe(2);
    // A minute on, the request that is due to touch the store learns it is gone and fetches the file again.
    now += 61_000;
    expect((await get()).status).toBe(200);
    expect(fake.count(zip)).toBe(3);
    expect((await get()).status).toBe(200);
    expect(fake.count(zip)).toBe(3);
  });
});
