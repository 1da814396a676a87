import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedis } from "../../../../test/harness/redis.ts";
import { readRecordCopy, rebuildIndex, writeRecordCopy } from "../../src/cache/records.ts";
import { FsBlobStore } from "../../src/storage/blob/fs.ts";
import { RedisIndex } from "../../src/storage/index/redis.ts";
import { actionRecordKey, outputKey } from "../../src/storage/keys.ts";
import { sampleRecord } from "../storage/index/index.contract.ts";
import { chunked, freshNamespace, randomHexId } from "../support/contract-helpers.ts";
import { FakeBlobStore, FakeIndex } from "../support/fakes.ts";

/** A blob store whose reads take a millisecond, and which records how many overlap (and can fail one key). */
class SlowBlobStore extends FakeBlobStore {
  inFlight = 0;
  maxInFlight = 0;
  failing: string | undefined;
  override async getBytes(key: string): Promise<Buffer | null> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (key === this.failing) throw new Error("read failed");
      return await super.getBytes(key);
    } finally {
      this.inFlight--;
    }
  }
}

let redis: RedisServer;
let dir: string;
beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), "gcp-rebuild-"));
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("rebuildIndex", () => {
  it("restores a lost Redis from the record copies in the blob store, keeping entries Redis still has", async () => {
    const blobs = new FsBlobStore({ root: join(dir, "blobs") });
    const [a, b] = [freshNamespace(), freshNamespace()];
    const copies = Array.from({ length: 7 }, (_, i) => ({
      ns: i < 5 ? a : b,
      action: randomHexId(),
      record: sampleRecord({ size: i, inline: randomBytes(i), lastAccessMs: 1000 }),
    }));
    for (const { ns, action, record } of copies) await writeRecordCopy(blobs, ns, action, record);
    const output = randomBytes(50);
    await blobs.put(outputKey(a, sha256Hex(output)), chunked(output), { size: 50, sha256Hex: sha256Hex(output) });
    const junk = Buffer.from("not a record");
    await blobs.put(actionRecordKey(a, randomHexId()), chunked(junk), { size: junk.length, sha256Hex: sha256Hex(junk) });

    let index = new RedisIndex({ url: redis.url });
    const kept = copies[0]!;
    await index.set(kept.ns, kept.action, { ...kept.record, lastAccessMs: 5000 });
    expect(await readRecordCopy(blobs, kept.ns, kept.action, undefined, 0)).toEqual(kept.record);

    const started = Date.now();
    const result = await rebuildIndex(blobs, index, { batchSize: 3 });
    expect(result).toEqual({ scanned: 8, restored: 6, present: 1, skipped: 1, manifests: 0 });
    // Restored as read now (the copies carry their put time only): the next gc must not expire them all.
    const readNow = (record: (typeof copies)[number]["record"]) => ({ ...record, lastAccessMs: expect.any(Number) });
    for (const { ns, action, record } of copies.slice(1)) {
      const restored = await index.get(ns, action);
      expect(restored).toEqual(readNow(record));
      expect(restored!.lastAccessMs).toBeGreaterThanOrEqual(started);
    }
    expect((await index.get(kept.ns, kept.action))?.lastAccessMs).toBe(5000);

    await index.close();
    await redis.restart();
    index = new RedisIndex({ url: redis.url, connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
    expect(await index.get(b, copies[6]!.action)).toBeNull();
    expect(await rebuildIndex(blobs, index, { namespaces: [b] })).toEqual({
      scanned: 2,
      restored: 2,
      present: 0,
      skipped: 0,
      manifests: 0,
    });
    expect(await index.get(b, copies[6]!.action)).toEqual(readNow(copies[6]!.record));
    expect(await index.get(a, copies[1]!.action)).toBeNull();
    await index.close();
  });

  it("reads the copies 16 at once and restores exactly what one at a time restores; the first failed read ends it", async () => {
    const blobs = new SlowBlobStore();
    const [a, b] = [freshNamespace(), freshNamespace()];
    // Grouped by namespace, as real stores list keys sorted (a batch is cut where the namespace changes).
    const copies = Array.from({ length: 700 }, (_, i) => ({
      ns: i < 600 ? a : b,
      action: randomHexId(),
      record: sampleRecord({ size: i }),
    }));
    for (const { ns, action, record } of copies) await writeRecordCopy(blobs, ns, action, record);
    const junk = Buffer.from("not a record");
    await blobs.put(actionRecordKey(a, randomHexId()), chunked(junk), { size: junk.length, sha256Hex: sha256Hex(junk) });
    const present = copies.filter((_, i) => i % 10 === 0);

    const rebuilt = async (concurrency?: number) => {
      const index = new FakeIndex();
      for (const { ns, action, record } of present) await index.set(ns, action, { ...record, lastAccessMs: 5000 });
      blobs.maxInFlight = 0;
      const result = await rebuildIndex(blobs, index, concurrency === undefined ? {} : { concurrency });
      const entries = new Map([...index.records].map(([key, record]) => [key, { ...record, lastAccessMs: record.lastAccessMs === 5000 }]));
      return { result, entries, maxInFlight: blobs.maxInFlight, complete: index.complete };
    };
    const one = await rebuilt(1);
    const many = await rebuilt();
    expect(one.result).toEqual({ scanned: 701, restored: 630, present: 70, skipped: 1, manifests: 0 });
    expect(many.result).toEqual(one.result);
    expect(many.entries).toEqual(one.entries);
    expect(many.entries.size).toBe(700);
    expect(many.complete && one.complete).toBe(true);
    expect(one.maxInFlight).toBe(1);
    expect(many.maxInFlight).toBe(16);

    // A read that fails rejects the rebuild once the reads in flight are done (the caller then closes
    // the index: no write may land after that); none starts after it.
    const first = new FakeIndex();
    blobs.failing = actionRecordKey(a, copies[40]!.action);
    blobs.calls.getBytes = 0;
    await expect(rebuildIndex(blobs, first)).rejects.toThrow("read failed");
    expect(blobs.inFlight).toBe(0);
    const written = first.records.size;
    await new Promise((resolve) => setTimeout(resolve, 100)); // room for any read started after the failure
    expect(first.records.size).toBe(written);
    expect(blobs.calls.getBytes).toBeLessThan(40 + 16);
    expect(first.complete).toBe(false);
  });

  it("readRecordCopy answers null for a missing copy", async () => {
    expect(await readRecordCopy(new FsBlobStore({ root: join(dir, "blobs") }), freshNamespace(), randomHexId())).toBeNull();
  });
});
