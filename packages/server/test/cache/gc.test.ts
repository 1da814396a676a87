import { sha256Hex } from "@gocacheprog/common";
import { describe, expect, it, vi } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { rebuildIndex } from "../../src/cache/records.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { GOMOD_NAMESPACE, gomodEntryId, outputKey } from "../../src/storage/keys.ts";
import { FakeBlobStore, FakeIndex, LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";
import { put, storeOutput } from "./gc-support.ts";

const logger = createLogger("silent", new LogCapture());
const HOUR = 3600e3;
const DAY = 24 * HOUR;

describe("gc", () => {
  it("deletes unreferenced outputs past the grace period and keeps younger ones (uploads in flight)", async () => {
    const blobs = new FakeBlobStore();
    const index = new FakeIndex();
    const now = Date.now();
    const stale = storeOutput(blobs, Buffer.from("stale orphan"), now - 2 * HOUR);
    const young = storeOutput(blobs, Buffer.from("upload in flight"), now - 60_000);
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 0, maxSizeBytes: 0, graceMs: HOUR }, now);
    expect(report.orphanOutputs).toBe(1);
    expect([blobs.objects.has(stale), blobs.objects.has(young)]).toEqual([false, true]);
  });

  it("puts back records a flushed index lost before judging outputs unreferenced", async () => {
    const { app, blobs, index } = makeTestApp({ core: { inlineMax: 0 } });
    const data = Buffer.alloc(5000, 7);
    const sha = sha256Hex(data);
    const action = randomHex();
    const res = await app.request(`/v1/actions/${action}`, {
      method: "PUT",
      body: data,
      headers: { "x-gocacheprog-output-id": sha, "content-length": "5000" },
    });
    expect(res.status).toBe(201);
    index.records.clear();
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 0, maxSizeBytes: 0, graceMs: 0 }, Date.now() + HOUR);
    expect([report.reindexed, report.orphanOutputs]).toEqual([1, 0]);
    expect(blobs.objects.has(outputKey("default", sha))).toBe(true);
    expect(index.records.size).toBe(1);
  });

  it("keeps an output shared by two actions until the last one is evicted", async () => {
    const { app, blobs, index } = makeTestApp({ core: { inlineMax: 0 } });
    const data = Buffer.alloc(4000, 3);
    const sha = sha256Hex(data);
    const [a, b] = [randomHex(), randomHex()];
    for (const action of [a, b]) {
      await app.request(`/v1/actions/${action}`, {
        method: "PUT",
        body: data,
        headers: { "x-gocacheprog-output-id": sha, "content-length": "4000" },
      });
    }
    const now = Date.now() + 10 * HOUR;
    await index.touch("default", b, now);
    await runGc({ blobs, index, logger }, { maxAgeMs: 5 * HOUR, maxSizeBytes: 0, graceMs: 0 }, now);
    expect([...index.records.keys()]).toEqual([`default/${b}`]);
    expect(blobs.objects.has(outputKey("default", sha))).toBe(true);
  });

  it("evicts module proxy files by their own age and size budget, apart from build-cache entries", async () => {
    const { core, blobs, index } = makeTestApp({ core: { inlineMax: 0 } });
    const write = async (ns: string, id: string, fill: number) => {
      const data = Buffer.alloc(1000, fill);
      await core.write(
        ns,
        id,
        sha256Hex(data),
        data.length,
        (async function* () {
          yield data;
        })(),
      );
    };
    const build = randomHex();
    const [oldZip, newZip, newerZip] = ["a", "b", "c"].map((m) => gomodEntryId("zip", `example.com/${m}/@v/v1.0.0.zip`)) as [
      string,
      string,
      string,
    ];
    await write("default", build, 1);
    await write(GOMOD_NAMESPACE, oldZip, 2);
    await write(GOMOD_NAMESPACE, newZip, 3);
    await write(GOMOD_NAMESPACE, newerZip, 4);
    const now = Date.now() + 10 * HOUR;
    await index.touch(GOMOD_NAMESPACE, newZip, now - HOUR);
    await index.touch(GOMOD_NAMESPACE, newerZip, now);
    const report = await runGc(
      { blobs, index, logger },
      { maxAgeMs: 20 * HOUR, maxSizeBytes: 0, graceMs: HOUR, gomod: { maxAgeMs: 5 * HOUR, maxSizeBytes: 1500 } },
      now,
    );
    expect(report).toMatchObject({ entries: 1, expired: 0, evictedForSize: 0, bytesBefore: 1000, bytesAfter: 1000 });
    expect(report.gomod).toEqual({ entries: 3, expired: 1, evictedForSize: 1, bytesBefore: 3000, bytesAfter: 1000 });
    expect([...index.records.keys()].sort()).toEqual([`${GOMOD_NAMESPACE}/${newerZip}`, `default/${build}`].sort());
    expect([...blobs.objects.keys()].filter((k) => k.includes("/o/")).length).toBe(2);
  });

  it("does not count old orphaned outputs against maxSize: it deletes them and evicts no live entry", async () => {
    const { app, blobs, index } = makeTestApp({ core: { inlineMax: 0 } });
    const now = Date.now();
    const live = Array.from({ length: 10 }, () => randomHex());
    for (const [i, action] of live.entries()) expect(await put(app, action, Buffer.alloc(1000, i + 1))).toBe(201);
    // 10 KB nothing refers to any more (puts whose record never came), past the grace period...
    const orphans: string[] = [];
    for (let i = 0; i < 10; i++) orphans.push(storeOutput(blobs, Buffer.alloc(1000, 100 + i), now - 2 * HOUR));
    // ...and one inside it (a put in flight, or freed by an earlier pass), which stays on disk and takes
    // no budget either: evicting live entries would not delete it any sooner.
    const young = storeOutput(blobs, Buffer.alloc(1000, 200), now - 60_000);
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 0, maxSizeBytes: 15_000, graceMs: HOUR }, now);
    expect(report).toMatchObject({
      entries: 10,
      expired: 0,
      evictedForSize: 0,
      orphanOutputs: 10,
      bytesBefore: 21_000,
      bytesAfter: 10_000,
    });
    expect(live.filter((action) => !index.records.has(`default/${action}`))).toEqual([]);
    expect(orphans.filter((key) => blobs.objects.has(key))).toEqual([]);
    expect(blobs.objects.has(young)).toBe(true);
  });
});

describe("gc after an index loss", () => {
  /** An entry put at day 0 and read at day 13 (the read touches the index only), then the index is lost. */
  async function readAtDay13ThenIndexLost(day0: number) {
    let clock = day0;
    const made = makeTestApp({ core: { inlineMax: 0 }, now: () => clock });
    const action = randomHex();
    expect(await put(made.app, action, Buffer.alloc(3000, 5))).toBe(201);
    clock = day0 + 13 * DAY;
    expect(await made.core.lookup("default", action, false)).not.toBeNull();
    await vi.waitFor(async () => expect((await made.index.get("default", action))?.lastAccessMs).toBe(day0 + 13 * DAY));
    made.index.records.clear();
    return { ...made, action };
  }
  const policy = { maxAgeMs: 14 * DAY, maxSizeBytes: 0, graceMs: HOUR };

  it("keeps an entry restored by rebuildIndex at day 15 (its copy holds the put time only) under a 14-day maxAge", async () => {
    const day0 = Date.now() - 15 * DAY; // rebuildIndex restores as of the real clock: day 15
    const { blobs, index, action } = await readAtDay13ThenIndexLost(day0);
    expect(await rebuildIndex(blobs, index)).toMatchObject({ restored: 1 });
    const report = await runGc({ blobs, index, logger }, policy, Date.now());
    expect([report.entries, report.expired, report.orphanOutputs]).toEqual([1, 0, 0]);
    expect(index.records.has(`default/${action}`)).toBe(true);
  });

  it("keeps an entry gc itself puts back at day 15 under a 14-day maxAge, and its output", async () => {
    const day0 = Date.now();
    const { blobs, index, action } = await readAtDay13ThenIndexLost(day0);
    const report = await runGc({ blobs, index, logger }, policy, day0 + 15 * DAY);
    expect([report.reindexed, report.expired, report.orphanOutputs]).toEqual([1, 0, 0]);
    expect((await index.get("default", action))?.lastAccessMs).toBe(day0 + 15 * DAY);
    expect([...blobs.objects.keys()].filter((key) => key.includes("/o/"))).toHaveLength(1);
  });
});
