import { randomBytes } from "node:crypto";
import { sha256Hex } from "@gocacheprog/common";
import { describe, expect, it, vi } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { writeRecordCopy } from "../../src/cache/records.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { BackendUnavailableError } from "../../src/storage/errors.ts";
import type { ActionRecord, IndexEntry } from "../../src/storage/index/types.ts";
import { manifestKey, outputKey, parseActionRecordKey } from "../../src/storage/keys.ts";
import { FakeBlobStore, FakeIndex, LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";
import { put, storeOutput } from "./gc-support.ts";

const logger = createLogger("silent", new LogCapture());
const HOUR = 3600e3;
const DAY = 24 * HOUR;

function inlineRecord(lastAccessMs: number): ActionRecord {
  const inline = randomBytes(800);
  return { outputId: Buffer.from(sha256Hex(inline), "hex"), size: 800, putTimeMs: lastAccessMs, lastAccessMs, inline };
}

describe("gc when single steps fail", () => {
  it("keeps the output of an entry whose eviction failed (it stays in the index)", async () => {
    const { app, blobs, index } = makeTestApp({ core: { inlineMax: 0 } });
    const data = Buffer.alloc(5000, 4);
    const action = randomHex();
    expect(await put(app, action, data)).toBe(201);
    // One blob store hiccup: deleting the record copy fails (tolerated: the next pass retries).
    const del = blobs.delete.bind(blobs);
    let failed = 0;
    blobs.delete = async (key: string) => {
      if (parseActionRecordKey(key) && failed++ === 0) throw new BackendUnavailableError("S3 hiccup");
      return del(key);
    };
    await runGc({ blobs, index, logger }, { maxAgeMs: 5 * HOUR, maxSizeBytes: 0, graceMs: HOUR }, Date.now() + 10 * HOUR);
    expect(index.records.has(`default/${action}`)).toBe(true);
    expect(blobs.objects.has(outputKey("default", sha256Hex(data)))).toBe(true);
  });

  it("still evicts when record copies cannot be put back (a full index), keeping their outputs", async () => {
    const now = Date.now();
    const blobs = new FakeBlobStore();
    const index = new FakeIndex();
    const expired: string[] = [];
    for (let i = 0; i < 10; i++) {
      const action = randomHex();
      const record = inlineRecord(now - 20 * DAY);
      await index.set("default", action, record);
      await writeRecordCopy(blobs, "default", action, record);
      expired.push(action);
    }
    // Puts while the index was full: their copies were written, the index writes refused.
    await writeRecordCopy(blobs, "default", randomHex(), inlineRecord(now));
    const data = randomBytes(3000);
    const key = storeOutput(blobs, data, now - DAY);
    const blobRecord: ActionRecord = {
      outputId: Buffer.from(sha256Hex(data), "hex"),
      size: data.length,
      putTimeMs: now,
      lastAccessMs: now,
    };
    await writeRecordCopy(blobs, "default", randomHex(), blobRecord);
    // Redis at maxmemory (noeviction): writes that add data are refused, deletions work.
    index.set = async () => {
      throw new BackendUnavailableError("Redis unavailable: OOM command not allowed when used memory > 'maxmemory'");
    };
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 14 * DAY, maxSizeBytes: 0, graceMs: 0 }, now);
    expect(report.expired).toBe(10);
    expect(expired.filter((a) => index.records.has(`default/${a}`))).toEqual([]);
    expect(blobs.objects.has(key)).toBe(true);
  });

  it("keeps a manifest that a session rewrote after the pass listed the store", async () => {
    const { core, blobs, index } = makeTestApp();
    const key = randomHex();
    await core.manifests.add("default", key, [randomBytes(32)]);
    blobs.objects.get(manifestKey("default", key))!.lastModified = new Date(Date.now() - 20 * DAY);
    // A go session of that build key ends while the pass runs (after the listing, before the deletions).
    const scan = index.scan.bind(index);
    index.scan = async function* (namespace?: string): AsyncIterable<IndexEntry> {
      yield* scan(namespace);
      await core.manifests.add("default", key, [randomBytes(32)]);
    };
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 14 * DAY, maxSizeBytes: 0, graceMs: 0 });
    expect(blobs.objects.has(manifestKey("default", key))).toBe(true);
    expect(await core.manifests.union("default", key)).toHaveLength(2);
    expect(report.expiredManifests).toBe(0);
  });

  it("keeps a manifest a session added while the pass read its old copy's age", async () => {
    const { core, blobs, index } = makeTestApp();
    const key = randomHex();
    const copyKey = manifestKey("default", key);
    await core.manifests.add("default", key, [randomBytes(32)]);
    blobs.objects.get(copyKey)!.lastModified = new Date(Date.now() - 20 * DAY);
    // The session has written the index and not yet its blob copy when the pass reads the copy's age.
    let release = () => {};
    const copyHeld = new Promise<void>((resolve) => {
      release = resolve;
    });
    const [head, put] = [blobs.head.bind(blobs), blobs.put.bind(blobs)];
    blobs.put = async (...args) => copyHeld.then(() => put(...args));
    let adding: Promise<void> | undefined;
    blobs.head = async (k) => {
      const old = await head(k);
      if (k !== copyKey || adding) return old;
      const before = await index.getManifests("default", key);
      adding = core.manifests.add("default", key, [randomBytes(32)]);
      await vi.waitFor(async () => expect((await index.getManifests("default", key))?.equals(before!)).toBe(false));
      return old;
    };
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 14 * DAY, maxSizeBytes: 0, graceMs: 0 });
    expect(report.expiredManifests).toBe(0);
    expect(await index.getManifests("default", key)).not.toBeNull();
    release();
    await adding;
    expect(await core.manifests.union("default", key)).toHaveLength(2);
  });
});
