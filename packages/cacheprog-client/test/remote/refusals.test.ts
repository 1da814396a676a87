// What the remote tier counts against its breaker, and what it stores when a reply lies about its size.
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import { CircuitBreaker } from "../../src/remote/breaker.ts";
import {
  LocalStoreError,
  type OpenSink,
  type RemoteClient,
  RemoteError,
  type RemoteHit,
  RemoteRefusal,
  RemoteTimeout,
} from "../../src/remote/http.ts";
import { RemoteTier } from "../../src/remote/tier.ts";
import { idOf, sha256 } from "../helpers.ts";
import { StubClient } from "./stub-client.ts";

let stub: StubClient;
let stats: Stats;
let logs: string[];
beforeEach(() => {
  stub = new StubClient();
  stats = new Stats();
  logs = [];
});

describe("RemoteTier failures", () => {
  it("keeps reads on after refused and slow uploads (413, upload timeout); only unwell remotes open the breaker", async () => {
    const breaker = new CircuitBreaker(3, 60_000);
    const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "remote-tier-")) });
    const log = createLogger("warn", (l) => logs.push(l));
    const options = {
      uploads: true,
      uploadConcurrency: 1,
      uploadQueue: 10,
      drainTimeoutMs: 5_000,
      linkThresholdBytes: 1e9,
      displayUrl: "x",
    };
    const guarded = new RemoteTier(disk, stub as unknown as RemoteClient, breaker, stats, log, options);
    stub.uploadError = new RemoteRefusal("PUT action: HTTP 413");
    for (const seed of ["u1", "u2", "u3", "u4"]) await guarded.put(idOf(seed), sha256(Buffer.from(seed)), Buffer.from(seed));
    await new Promise((r) => setTimeout(r, 20));
    stub.uploadError = new RemoteTimeout("PUT: no complete answer within 15000 ms");
    for (const seed of ["t1", "t2", "t3", "t4"]) await guarded.put(idOf(seed), sha256(Buffer.from(seed)), Buffer.from(seed));
    await new Promise((r) => setTimeout(r, 20));
    // An output trimmed from the local tier before its upload ran is not the remote's fault either.
    // It is expected now and then and not warned about; any other local failure is, once.
    stub.uploadError = new LocalStoreError("the output went from the local tier meanwhile", true);
    for (const seed of ["l1", "l2", "l3", "l4"]) await guarded.put(idOf(seed), sha256(Buffer.from(seed)), Buffer.from(seed));
    await new Promise((r) => setTimeout(r, 20));
    expect(logs.filter((l) => l.includes("locally"))).toEqual([]);
    stub.uploadError = new LocalStoreError("EMFILE: too many open files");
    for (const seed of ["m1", "m2"]) await guarded.put(idOf(seed), sha256(Buffer.from(seed)), Buffer.from(seed));
    await new Promise((r) => setTimeout(r, 20));
    expect(logs.filter((l) => l.includes("could not read its output locally"))).toHaveLength(1);
    expect(stub.uploads).toHaveLength(14); // every upload was still tried
    expect(stats.uploadErrors).toBe(14);
    expect(breaker.isClosed).toBe(true);
    // Lookups still go out and hit.
    const body = Buffer.from("still served");
    stub.entries.set(idOf("h").toString("hex"), { outputHex: sha256(body).toString("hex"), putTime: new Date(), body });
    expect(await guarded.get(idOf("h"))).toMatchObject({ hit: true, source: "remote" });
    // Refused lookups (4xx) do not open it either; 5xx do.
    stub.lookupError = new RemoteRefusal("GET action: HTTP 401");
    for (const seed of ["r1", "r2", "r3", "r4"]) await guarded.get(idOf(seed));
    expect(breaker.isClosed).toBe(true);
    stub.lookupError = new RemoteError("GET action: HTTP 502");
    for (const seed of ["e1", "e2", "e3"]) await guarded.get(idOf(seed));
    expect(breaker.isOpen).toBe(true);
    stub.lookupError = undefined;
    await guarded.close();
  });

  it("counts 5xx answers to uploads against the breaker", async () => {
    const breaker = new CircuitBreaker(3, 60_000);
    const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "remote-tier-")) });
    const options = {
      uploads: true,
      uploadConcurrency: 1,
      uploadQueue: 10,
      drainTimeoutMs: 5_000,
      linkThresholdBytes: 1e9,
      displayUrl: "x",
    };
    const guarded = new RemoteTier(disk, stub as unknown as RemoteClient, breaker, stats, createLogger("error"), options);
    stub.uploadError = new RemoteError("PUT action: HTTP 503");
    for (const seed of ["v1", "v2", "v3"]) await guarded.put(idOf(seed), sha256(Buffer.from(seed)), Buffer.from(seed));
    await guarded.close();
    expect(breaker.isOpen).toBe(true);
  });

  it("counts a body shorter or longer than its declared size as corrupt and keeps no file", async () => {
    const body = Buffer.from("exact bytes");
    const outputHex = sha256(body).toString("hex");
    const lying = {
      async lookup(_a: string, open: OpenSink): Promise<RemoteHit | null> {
        const entry = { outputHex, putTime: new Date(), size: body.length - 1 };
        const sink = open(entry);
        try {
          sink.write(body); // one byte more than declared
          return { entry, hit: sink.finish(), head: sink.head, wireBytes: body.length };
        } catch (err) {
          sink.abort();
          throw err;
        }
      },
      async close() {},
    };
    const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "remote-tier-")) });
    const options = { uploads: false, uploadConcurrency: 1, uploadQueue: 1, drainTimeoutMs: 100, linkThresholdBytes: 4, displayUrl: "x" };
    const guarded = new RemoteTier(
      disk,
      lying as unknown as RemoteClient,
      new CircuitBreaker(3, 1000),
      stats,
      createLogger("error"),
      options,
    );
    expect((await guarded.get(idOf("long"))).hit).toBe(false);
    expect(stats.remoteCorrupt).toBe(1);
    expect(await leftovers(guarded)).toEqual([]);
  });
});

async function leftovers(t: RemoteTier): Promise<string[]> {
  const dir = (t as unknown as { local: DiskTier }).local.dir;
  const names = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return names.filter((e) => e.isFile()).map((e) => e.name);
}
