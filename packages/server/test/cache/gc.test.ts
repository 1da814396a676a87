import { sha256Hex } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { GOMOD_NAMESPACE, gomodEntryId, outputKey } from "../../src/storage/keys.ts";
import { FakeBlobStore, FakeIndex, LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";

const logger = createLogger("silent", new LogCapture());
const HOUR = 3600e3;

async function storeOutput(blobs: FakeBlobStore, data: Buffer, modifiedMs: number): Promise<string> {
  const hex = sha256Hex(data);
  const key = outputKey("default", hex);
  blobs.objects.set(key, { data, lastModified: new Date(modifiedMs) });
  return key;
}

describe("gc", () => {
  it("deletes unreferenced outputs past the grace period and keeps younger ones (uploads in flight)", async () => {
    const blobs = new FakeBlobStore();
    const index = new FakeIndex();
    const now = Date.now();
    const stale = await storeOutput(blobs, Buffer.from("stale orphan"), now - 2 * HOUR);
    const young = await storeOutput(blobs, Buffer.from("upload in flight"), now - 60_000);
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
});
