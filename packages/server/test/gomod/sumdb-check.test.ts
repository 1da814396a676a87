import { ConfigError } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { parseNoSumdb, parseSumdbName } from "../../src/gomod/sumdb-check.ts";
import { gomodEntryId } from "../../src/storage/keys.ts";
import { GO_SUMS, H1_MODULE, h1Fixture } from "./h1-fixture.ts";
import { FakeModuleUpstream, makeGomodApp, moduleZip } from "./helpers.ts";

const DB = "sum.example";
const V = "v1.0.0";
const ZIP = `${H1_MODULE}/@v/${V}.zip`;
const MOD = `${H1_MODULE}/@v/${V}.mod`;
const LOOKUP = `sumdb/${DB}/lookup/${H1_MODULE}@${V}`;
const NOTE = `go.sum database tree\n8\nhash=\n\n\u2014 ${DB} abc=\n`;

/** A lookup answer as the database writes it: record number, record, blank line, signed tree head. */
function record(path: string, version: string, sums: { zip: string; mod: string }): string {
  return `7\n${path} ${version} ${sums.zip}\n${path} ${version}/go.mod ${sums.mod}\n\n${NOTE}`;
}

function isStored(index: { records: Map<string, unknown> }, kind: string, file: string): boolean {
  const id = gomodEntryId(kind, file);
  return [...index.records.keys()].some((key) => key.endsWith(id));
}

async function upstream(lookup: string | undefined = record(H1_MODULE, V, GO_SUMS[V])) {
  const { zip, mod } = await h1Fixture(V);
  const fake = new FakeModuleUpstream().add(ZIP, zip).add(MOD, mod);
  if (lookup !== undefined) fake.add(LOOKUP, lookup);
  return { fake, zip, mod };
}

describe("--gomod-sumdb: .zip and .mod are checked against the checksum database before they are stored", () => {
  it("stores and serves a zip and .mod that match the database's record (hashes computed by go)", async () => {
    const { fake, zip, mod } = await upstream();
    const { app, index, metric } = makeGomodApp(fake, { sumdb: DB });
    for (let round = 0; round < 2; round++) {
      const modRes = await app.request(`/gomod/${MOD}`);
      expect(modRes.status).toBe(200);
      expect(await modRes.text()).toBe(mod);
      const zipRes = await app.request(`/gomod/${ZIP}`);
      expect(zipRes.status).toBe(200);
      expect(Buffer.from(await zipRes.arrayBuffer()).equals(zip)).toBe(true);
    }
    expect([fake.count(MOD), fake.count(ZIP), fake.count(LOOKUP)]).toEqual([1, 1, 1]);
    expect(isStored(index, "zip", ZIP) && isStored(index, "mod", MOD)).toBe(true);
    expect(await metric("gocacheprog_gomod_sumdb_checks_total", { result: "match" })).toBe(2);
    // The lookup is kept for go's own, which usually follows.
    expect((await app.request(`/gomod/${LOOKUP}`)).status).toBe(200);
    expect(fake.count(LOOKUP)).toBe(1);
  });

  it("refuses a zip whose content the database records otherwise: 502, nothing stored, asked again next time", async () => {
    const { fake } = await upstream();
    // A structurally sound zip of other bytes: what a broken mirror could serve.
    fake.add(ZIP, await moduleZip(`${H1_MODULE}@${V}`, { "go.mod": "module example.test/h1\n", "a.go": "package h2\n" }));
    const { app, index, metric } = makeGomodApp(fake, { sumdb: DB });
    for (let round = 0; round < 2; round++) {
      const res = await app.request(`/gomod/${ZIP}`);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).toContain("does not match the checksum database");
      expect(text).toContain(GO_SUMS[V].zip);
    }
    expect(fake.count(ZIP)).toBe(2);
    expect(isStored(index, "zip", ZIP)).toBe(false);
    expect(await metric("gocacheprog_gomod_upstream_fetches_total", { kind: "zip", outcome: "mismatch" })).toBe(2);
    expect(await metric("gocacheprog_gomod_sumdb_checks_total", { kind: "zip", result: "mismatch" })).toBe(2);
    // Once the upstream serves the right zip, it is stored.
    fake.add(ZIP, (await h1Fixture(V)).zip);
    expect((await app.request(`/gomod/${ZIP}`)).status).toBe(200);
    expect(isStored(index, "zip", ZIP)).toBe(true);
  });

  it("refuses a spooled zip (no announced length) and a .mod that do not match", async () => {
    const { fake, zip } = await upstream(record(H1_MODULE, V, { zip: GO_SUMS["v1.1.0"].zip, mod: GO_SUMS["v1.1.0"].mod }));
    fake.faults.set(ZIP, () => new Response(new Blob([new Uint8Array(zip)]).stream()));
    const { app, index } = makeGomodApp(fake, { sumdb: DB });
    for (const file of [ZIP, MOD]) {
      const res = await app.request(`/gomod/${file}`);
      expect(res.status, file).toBe(502);
      expect(await res.text()).toMatch(/does not match the checksum database sum\.example/);
    }
    expect(isStored(index, "zip", ZIP) || isStored(index, "mod", MOD)).toBe(false);
  });

  it("stores as before a module the database does not know (404), asking with go's case encoding", async () => {
    const path = "example.com/Private";
    const zipFile = `example.com/!private/@v/${V}.zip`;
    const fake = new FakeModuleUpstream().add(zipFile, await moduleZip(`${path}@${V}`, { "go.mod": `module ${path}\n` }));
    const { app, index, metric } = makeGomodApp(fake, { sumdb: DB });
    expect((await app.request(`/gomod/${zipFile}`)).status).toBe(200);
    expect((await app.request(`/gomod/${zipFile}`)).status).toBe(200);
    expect(fake.count(zipFile)).toBe(1);
    expect(fake.count(`sumdb/${DB}/lookup/example.com/!private@${V}`)).toBe(1);
    expect(isStored(index, "zip", zipFile)).toBe(true);
    expect(await metric("gocacheprog_gomod_sumdb_checks_total", { result: "unknown" })).toBe(1);
  });

  it("stores unverified when the lookup fails, and skips lookups for a while after", async () => {
    const { fake } = await upstream();
    fake.faults.set(LOOKUP, () => new Response("database down", { status: 500 }));
    let now = Date.now();
    const { app, index, metric } = makeGomodApp(fake, { sumdb: DB, now: () => now });
    expect((await app.request(`/gomod/${MOD}`)).status).toBe(200);
    expect((await app.request(`/gomod/${ZIP}`)).status).toBe(200);
    expect(fake.count(LOOKUP)).toBe(1);
    expect(isStored(index, "zip", ZIP)).toBe(true);
    expect(await metric("gocacheprog_gomod_sumdb_checks_total", { result: "lookup-failed" })).toBe(2);
    now += 60_000;
    fake.faults.delete(LOOKUP);
    fake.add(`example.com/n/@v/${V}.mod`, "module example.com/n\n");
    expect((await app.request(`/gomod/example.com/n/@v/${V}.mod`)).status).toBe(200);
    expect(fake.count(`sumdb/${DB}/lookup/example.com/n@${V}`)).toBe(1);
  });

  it("never asks about --gomod-nosumdb paths, nor at all when off", async () => {
    for (const options of [{ sumdb: DB, noSumdb: "example.test" }, {}]) {
      const { fake } = await upstream();
      const { app } = makeGomodApp(fake, options);
      expect((await app.request(`/gomod/${ZIP}`)).status).toBe(200);
      expect(fake.count(LOOKUP)).toBe(0);
    }
  });
});

describe("--gomod-sumdb and --gomod-nosumdb values", () => {
  it("take the name from a GOSUMDB value; off or empty is off; a malformed name is refused", () => {
    expect(parseSumdbName("off")).toBeUndefined();
    expect(parseSumdbName(" ")).toBeUndefined();
    expect(parseSumdbName(DB)).toBe(DB);
    expect(parseSumdbName(`${DB}+abcd+AQID https://db.example/x`)).toBe(DB);
    expect(() => parseSumdbName("Bad/../name")).toThrow(ConfigError);
  });

  it("match module path prefixes like GONOSUMDB", () => {
    const excluded = parseNoSumdb("corp.example/*,*.internal.example,, git.example/team/");
    expect(excluded("corp.example/a")).toBe(true);
    expect(excluded("corp.example/a/b/v2")).toBe(true);
    expect(excluded("corp.example")).toBe(false);
    expect(excluded("x.internal.example/m")).toBe(true);
    expect(excluded("internal.example/m")).toBe(false);
    expect(excluded("git.example/team/m")).toBe(true);
    expect(excluded("git.example/other")).toBe(false);
    expect(parseNoSumdb("git.example/t?am")("git.example/team")).toBe(true);
    expect(parseNoSumdb("git.example/t\\?am")("git.example/team")).toBe(false);
    expect(parseNoSumdb("")("anything")).toBe(false);
    expect(() => parseNoSumdb("corp.example/[ab]")).toThrow(ConfigError);
  });
});
