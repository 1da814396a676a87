import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import { CircuitBreaker } from "../../src/remote/breaker.ts";
import { followUpKey } from "../../src/remote/follow-ups.ts";
import { type RemoteClient, RemoteError } from "../../src/remote/http.ts";
import { RemoteTier } from "../../src/remote/tier.ts";
import { BATCH_ITEM_MAX_BYTES, BATCH_LINGER_MS } from "../../src/remote/upload-batch.ts";
import { idOf, sha256 } from "../helpers.ts";
import { StubClient } from "./stub-client.ts";

let stub: StubClient;
let stats: Stats;
let logs: string[];
let tier: RemoteTier;

async function makeTier(uploads = true, batchUploads = false): Promise<RemoteTier> {
  const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "remote-tier-")) });
  return new RemoteTier(
    disk,
    stub as unknown as RemoteClient,
    new CircuitBreaker(3, 60_000),
    stats,
    createLogger("warn", (l) => logs.push(l)),
    {
      uploads,
      uploadConcurrency: 2,
      uploadQueue: 10,
      drainTimeoutMs: 5_000,
      linkThresholdBytes: 4,
      batchUploads,
      displayUrl: "http://cache.test",
    },
  );
}

beforeEach(async () => {
  stub = new StubClient();
  stats = new Stats();
  logs = [];
  tier = await makeTier();
});

describe("RemoteTier", () => {
  it("serves a remote hit from a verified local file, with the remote put time", async () => {
    const body = Buffer.from("remote bytes");
    const putTime = new Date("2026-01-02T03:04:05.678Z");
    stub.entries.set(idOf("a").toString("hex"), { outputHex: sha256(body).toString("hex"), putTime, body });
    const hit = await tier.get(idOf("a"));
    expect(hit).toMatchObject({ hit: true, source: "remote", size: body.length, putTime });
    await new Promise((r) => setTimeout(r, 10)); // let the follow-up prefetch (a miss here) settle
    const lookups = stub.lookups;
    // The second get is answered from disk without a request, and still counts as remote-sourced.
    expect(await tier.get(idOf("a"))).toMatchObject({ hit: true, source: "remote", putTime });
    expect(stub.lookups).toBe(lookups);
  });

  it("prefetches the compiler-output subkey go asks for after an archive hit, and counts it as remote", async () => {
    const archive = Buffer.from("!<arch>\n...");
    const stdout = Buffer.alloc(0);
    const stdoutKey = followUpKey(idOf("pkg"), archive) as Buffer;
    expect(followUpKey(idOf("pkg"), Buffer.from("not an archive"))).toBeUndefined();
    // The exact derivation cmd/go uses: sha256("subkey:" || parent || "stdout").
    expect(stdoutKey).toEqual(sha256(Buffer.concat([Buffer.from("subkey:"), idOf("pkg"), Buffer.from("stdout")])));
    stub.entries.set(idOf("pkg").toString("hex"), { outputHex: sha256(archive).toString("hex"), putTime: new Date(), body: archive });
    stub.entries.set(stdoutKey.toString("hex"), { outputHex: sha256(stdout).toString("hex"), putTime: new Date(), body: stdout });
    expect(await tier.get(idOf("pkg"))).toMatchObject({ hit: true, source: "remote" });
    expect(stub.lookups).toBe(2); // the archive, and its follow-up without waiting for go
    expect(await tier.get(stdoutKey)).toMatchObject({ hit: true, source: "remote", size: 0 });
    expect(stub.lookups).toBe(2);
    expect([stats.remotePrefetches, stats.prefetchHits]).toEqual([1, 1]);

    // Warm now: the next archive lookup and its follow-up go out together, before any answer.
    const pkg2 = idOf("pkg2");
    const pkg2Stdout = followUpKey(pkg2, archive) as Buffer;
    stub.entries.set(pkg2.toString("hex"), { outputHex: sha256(archive).toString("hex"), putTime: new Date(), body: archive });
    stub.entries.set(pkg2Stdout.toString("hex"), { outputHex: sha256(stdout).toString("hex"), putTime: new Date(), body: stdout });
    let answer = () => {};
    stub.gate = new Promise((resolve) => {
      answer = resolve;
    });
    const pending = tier.get(pkg2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(stub.lookups).toBe(4);
    answer();
    expect(await pending).toMatchObject({ hit: true });
    expect(await tier.get(pkg2Stdout)).toMatchObject({ hit: true, source: "remote" });
    expect(stub.lookups).toBe(4);

    // A miss (as in a cold build) ends the speculation: later misses cost one request each.
    await tier.get(idOf("absent"));
    const afterMiss = stub.lookups;
    await tier.get(idOf("absent2"));
    expect(stub.lookups).toBe(afterMiss + 1);
  });

  it("sends no speculative request while the breaker is open or half-open", async () => {
    let now = 0;
    const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "remote-tier-")) });
    const breaker = new CircuitBreaker(3, 1000, () => now);
    const log = createLogger("warn", (l) => logs.push(l));
    const options = { uploads: false, uploadConcurrency: 1, uploadQueue: 1, drainTimeoutMs: 100, linkThresholdBytes: 4, displayUrl: "x" };
    const guarded = new RemoteTier(disk, stub as unknown as RemoteClient, breaker, stats, log, options);
    const archive = Buffer.from("!<arch>\n...");
    stub.entries.set(idOf("warm").toString("hex"), { outputHex: sha256(archive).toString("hex"), putTime: new Date(), body: archive });
    await guarded.get(idOf("warm")); // an archive hit: speculation is on
    stub.lookupError = new RemoteError("HTTP 503");
    // While the breaker is still closed these go out with their speculative follow-ups; the third opens it.
    for (const seed of ["f1", "f2", "f3"]) await guarded.get(idOf(seed));
    expect(breaker.isOpen).toBe(true);
    const [prefetches, lookups] = [stats.remotePrefetches, stub.lookups];
    await guarded.get(idOf("while-open"));
    now = 1500; // half-open: the next lookup is the single trial
    await guarded.get(idOf("trial"));
    expect(stats.remotePrefetches).toBe(prefetches);
    expect(stub.lookups).toBe(lookups + 1); // only the trial itself went out
  });

  it("answers a local hit on the spot (getNow), and leaves misses and fetches in flight to get()", async () => {
    const body = Buffer.from("remote bytes");
    stub.entries.set(idOf("n").toString("hex"), { outputHex: sha256(body).toString("hex"), putTime: new Date(), body });
    expect(tier.getNow(idOf("n"))).toBeUndefined(); // not local yet: the remote must be asked
    let open = () => {};
    stub.gate = new Promise((r) => {
      open = r;
    });
    const fetching = tier.get(idOf("n"));
    expect(tier.getNow(idOf("n"))).toBeUndefined(); // its fetch is in flight: wait for that one
    open();
    await fetching;
    const lookups = stub.lookups;
    expect(tier.getNow(idOf("n"))).toMatchObject({ hit: true, source: "remote", size: body.length });
    expect(stub.lookups).toBe(lookups);
  });

  it("shares one request between concurrent gets of the same action", async () => {
    let open = () => {};
    stub.gate = new Promise((r) => {
      open = r;
    });
    const gets = [tier.get(idOf("x")), tier.get(idOf("x")), tier.get(idOf("x"))];
    await new Promise((r) => setTimeout(r, 20));
    open();
    expect((await Promise.all(gets)).every((g) => !g.hit)).toBe(true);
    expect(stub.lookups).toBe(1);
  });

  it("treats bytes that do not hash to the OutputID as a miss and stores nothing", async () => {
    const body = Buffer.from("tampered");
    stub.entries.set(idOf("c").toString("hex"), { outputHex: sha256(Buffer.from("original")).toString("hex"), putTime: new Date(), body });
    expect((await tier.get(idOf("c"))).hit).toBe(false);
    expect(stats.remoteCorrupt).toBe(1);
    stub.entries.clear();
    expect((await tier.get(idOf("c"))).hit).toBe(false); // nothing was kept locally
    expect(logs.join("")).toMatch(/does not match/);
    expect(await leftovers(tier)).toEqual([]);
  });

  it("stops asking a failing remote once the breaker opens, and says so once", async () => {
    stub.lookupError = new RemoteError("HTTP 500");
    for (let i = 0; i < 10; i++) expect((await tier.get(idOf(`f${i}`))).hit).toBe(false);
    expect(stub.lookups).toBe(3);
    expect(stats.remoteErrors).toBe(3);
    expect(logs.filter((l) => l.includes("keeps failing"))).toHaveLength(1);
  });

  it("uploads new puts in the background, links large ones, skips what it fetched", async () => {
    const small = Buffer.from("abc");
    const large = Buffer.from("0123456789");
    await tier.put(idOf("s"), sha256(small), small);
    await tier.put(idOf("l"), sha256(large), large);
    const fetched = Buffer.from("from remote");
    stub.entries.set(idOf("r").toString("hex"), { outputHex: sha256(fetched).toString("hex"), putTime: new Date(), body: fetched });
    await tier.get(idOf("r"));
    await tier.put(idOf("r"), sha256(fetched), fetched);
    await tier.close();
    expect(stub.uploads.map((u) => [u.actionHex === idOf("s").toString("hex"), u.link])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect([stats.uploads, stats.uploadsSkipped, stats.uploadBytes]).toEqual([2, 1, small.length + large.length]);
  });

  it("turns uploads off after a 403 (read-only token) and never uploads in read-only mode", async () => {
    stub.uploadOutcome = "forbidden";
    for (const seed of ["p", "q", "r"]) {
      const body = Buffer.from(seed);
      await tier.put(idOf(seed), sha256(body), body);
      await new Promise((r) => setTimeout(r, 5));
    }
    await tier.close();
    expect(stub.uploads).toHaveLength(1);
    expect(logs.join("")).toMatch(/may only read/);

    stub = new StubClient();
    const readonly = await makeTier(false);
    await readonly.put(idOf("z"), sha256(Buffer.from("z")), Buffer.from("z"));
    await readonly.close();
    expect(stub.uploads).toHaveLength(0);
  });
});

describe("RemoteTier batch uploads", () => {
  const put = (t: RemoteTier, seed: string, body: Buffer) => t.put(idOf(seed), sha256(body), body);

  it("sends small outputs together in one request and a large one alone (link first), counting each", async () => {
    const batched = await makeTier(true, true);
    const large = Buffer.alloc(BATCH_ITEM_MAX_BYTES + 1, 7);
    for (const seed of ["a", "b", "c"]) await put(batched, seed, Buffer.from(seed.repeat(10)));
    await put(batched, "large", large);
    await batched.close();
    expect(stub.batches.map((jobs) => jobs.map((j) => j.actionHex))).toEqual([["a", "b", "c"].map((s) => idOf(s).toString("hex"))]);
    expect(stub.uploads).toEqual([{ actionHex: idOf("large").toString("hex"), link: true }]);
    expect([stats.uploads, stats.uploadBytes, stats.uploadRequests]).toEqual([4, 30 + large.length, 1 + 2]);
  });

  it("waits a moment for more outputs, then sends what it has without waiting for the session to end", async () => {
    const batched = await makeTier(true, true);
    await put(batched, "a", Buffer.from("aaaa"));
    await put(batched, "b", Buffer.from("bbbb"));
    expect(stub.batches).toHaveLength(0);
    await new Promise((r) => setTimeout(r, BATCH_LINGER_MS + 100));
    expect(stub.batches.map((jobs) => jobs.length)).toEqual([2]);
    await batched.close();
  });

  it("counts a refused item as a failed upload and stores the rest; a failed batch fails all it carried", async () => {
    const batched = await makeTier(true, true);
    stub.batchAnswer = [201, 400, 201];
    for (const seed of ["a", "b", "c"]) await put(batched, seed, Buffer.from(seed));
    (batched as unknown as { uploads: { batcher: { flush(): void } } }).uploads.batcher.flush();
    await new Promise((r) => setTimeout(r, 10));
    expect([stats.uploads, stats.uploadErrors]).toEqual([2, 1]);
    expect(logs.join("\n")).toMatch(/an upload was not accepted \(batch upload item: HTTP 400: refused here\)/);
    stub.uploadError = new RemoteError("POST batch upload: HTTP 503");
    for (const seed of ["d", "e", "f", "g"]) await put(batched, seed, Buffer.from(seed));
    await batched.close();
    expect([stats.uploads, stats.uploadErrors, stats.remoteErrors]).toEqual([2, 5, 2]);
  });

  it("falls back to one request per output, for good, when the server has no batch route", async () => {
    const batched = await makeTier(true, true);
    stub.batchAnswer = "unsupported";
    for (const seed of ["a", "b"]) await put(batched, seed, Buffer.from(seed));
    (batched as unknown as { uploads: { batcher: { flush(): void } } }).uploads.batcher.flush();
    await new Promise((r) => setTimeout(r, 10));
    await put(batched, "c", Buffer.from("c"));
    await batched.close();
    expect(stub.batches).toHaveLength(1);
    expect(stub.uploads.map((u) => u.actionHex)).toEqual(["a", "b", "c"].map((s) => idOf(s).toString("hex")));
    expect([stats.uploads, stats.uploadRequests]).toEqual([3, 1 + 3]); // the refused batch, then a PUT each
  });

  it("turns uploads off when a batch is refused as read-only", async () => {
    const batched = await makeTier(true, true);
    stub.batchAnswer = "forbidden";
    await put(batched, "a", Buffer.from("a"));
    (batched as unknown as { uploads: { batcher: { flush(): void } } }).uploads.batcher.flush();
    await new Promise((r) => setTimeout(r, 10));
    await put(batched, "b", Buffer.from("b"));
    await batched.close();
    expect(stub.batches).toHaveLength(1);
    expect(stats.uploads).toBe(0);
    expect(logs.join("")).toMatch(/may only read/);
  });
});

/** Every file under the tier's directory (entries and temp files alike). */
async function leftovers(t: RemoteTier): Promise<string[]> {
  const dir = (t as unknown as { local: DiskTier }).local.dir;
  const names = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return names.filter((e) => e.isFile()).map((e) => e.name);
}
