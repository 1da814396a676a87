import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moduleFixture } from "./harness/module-fixture.ts";
import { type ModuleUpstream, startModuleUpstream } from "./harness/module-upstream.ts";
import { waitFor } from "./harness/runners.ts";
import { type CacheServer, newToken, type StorageKind, startCacheServer } from "./harness/server.ts";

/**
 * An admin's purge of one cached module version (DELETE /gomod/<module>/@v/<version>) on the real
 * server, on both storages, against the loopback upstream of the module proxy tests: what it removes
 * is fetched again, what it refuses stays cached.
 */

const UUID = "github.com/google/uuid";
const FILES = ["info", "mod", "zip"].map((ext) => `${UUID}/@v/v1.6.0.${ext}`);
const LIST = `${UUID}/@v/list`;
const LATEST = `${UUID}/@latest`;
const LATEST_INFO = JSON.stringify({ Version: "v1.6.0", Time: "2024-01-23T18:54:04Z" });

describe.each<StorageKind>(["embedded", "s3-redis"])("purging a module version (%s storage)", (storage) => {
  const [admin, writer, reader] = [newToken(), newToken(), newToken()];
  let upstream: ModuleUpstream;
  let server: CacheServer;

  const get = (file: string) => fetch(`${server.url}/gomod/${file}`, { headers: { authorization: `Bearer ${reader}` } });
  const purge = (path: string, token?: string) =>
    fetch(`${server.url}/gomod/${path}`, { method: "DELETE", headers: token ? { authorization: `Bearer ${token}` } : {} });
  const fetches = () => [...FILES, LIST, LATEST].map((file) => upstream.count(file));
  /** GETs every file once; their sizes. */
  const fill = async () =>
    Promise.all(
      [...FILES, LIST, LATEST].map(async (file) => {
        const res = await get(file);
        expect(res.status, file).toBe(200);
        return (await res.arrayBuffer()).byteLength;
      }),
    );
  const moduleProxy = async (): Promise<{ files: number; bytes: number }> => {
    const res = await fetch(`${server.url}/v1/status`, { headers: { authorization: `Bearer ${admin}` } });
    return ((await res.json()) as { moduleProxy: { files: number; bytes: number } }).moduleProxy;
  };

  beforeAll(async () => {
    upstream = await startModuleUpstream(moduleFixture());
    // The fixture holds what `go mod download` stored, which has no @latest.
    upstream.serve(LATEST, LATEST_INFO);
    server = await startCacheServer({
      storage,
      tokens: [
        { token: admin, scope: "admin", namespace: "ops" },
        { token: writer, scope: "read-write" },
        { token: reader, scope: "read" },
      ],
      env: { GOCACHEPROG_SERVER_GOMOD_UPSTREAM: upstream.url, GOCACHEPROG_SERVER_GOMOD_MUTABLE_TTL: "1h" },
    });
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it("refuses read and read-write tokens (403) and no token (401); everything stays cached", async () => {
    await fill();
    const before = fetches();
    for (const token of [reader, writer]) {
      const res = await purge(`${UUID}/@v/v1.6.0`, token);
      expect([res.status, await res.text()]).toEqual([403, "purging module files needs an admin token\n"]);
    }
    expect((await purge(`${UUID}/@v/v1.6.0`)).status).toBe(401);
    await fill();
    expect(fetches()).toEqual(before);
  });

  it("an admin's purge removes the version's files and the module's list and @latest: GETs fetch them from the upstream again", async () => {
    const sizes = await fill();
    const before = fetches();
    const held = await moduleProxy();

    const res = await purge(`${UUID}/@v/v1.6.0`, admin);
    expect(res.status).toBe(204);
    // The shared usage counters lose exactly what was removed (status figures are cached for 1 s).
    await waitFor("the status page to count the purge", async () => (await moduleProxy()).files === held.files - 5, 10_000);
    expect(await moduleProxy()).toMatchObject({ files: held.files - 5, bytes: held.bytes - sizes.reduce((a, b) => a + b, 0) });
    expect(await server.metric("gocacheprog_gomod_purged_total", { kind: "zip" })).toBe(1);

    // From the upstream once more (not from this replica's --gomod-memory), byte for byte the same.
    expect(await fill()).toEqual(sizes);
    expect(fetches()).toEqual(before.map((n) => n + 1));
    await fill();
    expect(fetches()).toEqual(before.map((n) => n + 1));
  });

  it("answers 404 for a module it holds nothing of, and 400 for malformed input; nothing is removed", async () => {
    await fill();
    const before = fetches();
    const total = upstream.total();
    const unknown = await purge("github.com/example/never-asked/@v/v1.0.0", admin);
    expect([unknown.status, await unknown.text()]).toEqual([
      404,
      "github.com/example/never-asked@v1.0.0: nothing of this version or module is stored here\n",
    ]);
    for (const bad of [
      `${UUID}/@v/v1.6`,
      `${UUID}/@v/v1.6.0.zip`,
      `${UUID}/@v/list`,
      "github.com/Google/uuid/@v/v1.6.0",
      `${UUID}/@v/v1.6.0%2F..%2F..%2Fx`,
      "sumdb/sum.example/lookup/github.com/google/uuid@v1.6.0",
    ]) {
      const res = await purge(bad, admin);
      expect([res.status, res.headers.get("content-type")], bad).toEqual([400, "text/plain; charset=utf-8"]);
    }
    expect(upstream.total()).toBe(total);
    await fill();
    expect(fetches()).toEqual(before);
  });
});
