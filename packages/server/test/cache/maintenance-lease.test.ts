import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@gocacheprog/common";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RedisServer, startRedis } from "../../../../test/harness/redis.ts";
import { startVersitygw, type VersitygwServer } from "../../../../test/harness/versitygw.ts";
import { CacheCore } from "../../src/cache/core.ts";
import { runGc } from "../../src/cache/gc.ts";
import { rebuildIndex } from "../../src/cache/records.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { S3BlobStore } from "../../src/storage/blob/s3.ts";
import { oneChunk } from "../../src/storage/blob/types.ts";
import { EmbeddedIndex } from "../../src/storage/index/embedded.ts";
import { RedisIndex } from "../../src/storage/index/redis.ts";
import { outputKey } from "../../src/storage/keys.ts";
import { leaseContract } from "../storage/index/index.contract.ts";
import { freshNamespace, randomHexId } from "../support/contract-helpers.ts";
import { LogCapture } from "../support/fakes.ts";

/**
 * Several stateless replicas on one bucket and one Redis: each has its own clients, as separate
 * processes would. Two maintenance passes (gc, a full rebuild) started by two replicas at once must
 * leave the shared usage counters what storage holds, not corrected twice.
 */

const HOUR = 3600e3;
let redis: RedisServer;
let gateway: VersitygwServer;
const logger = createLogger("silent", new LogCapture());

beforeAll(async () => {
  [redis, gateway] = await Promise.all([startRedis(), startVersitygw()]);
}, 60_000);
afterAll(async () => {
  await gateway?.destroy();
  await redis?.stop();
});

// runGc and rebuildIndex walk the whole store: each test starts from an empty one.
beforeEach(async () => {
  const admin = new Redis(redis.url);
  await admin.flushall();
  admin.disconnect();
  const blobs = replica().blobs;
  for await (const item of blobs.list("")) await blobs.delete(item.key);
});

function replica() {
  const blobs = new S3BlobStore({ ...gateway.s3Config(), prefix: "cache", requestTimeoutMs: 5000 });
  const index = new RedisIndex({ url: redis.url, commandTimeoutMs: 5000 });
  const core = new CacheCore({
    blobs,
    index,
    metrics: new ServerMetrics(new Registry()),
    logger,
    options: { backendTimeoutMs: 5000, inlineMax: 0, verifyBufferMax: 1 << 20, touchIntervalMs: 60_000 },
  });
  return { blobs, index, core };
}

async function putEntries(core: CacheCore, ns: string, count: number): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const data = Buffer.alloc(3000 + i, i + 1);
    await core.put(ns, randomHexId(), sha256Hex(data), data.length, oneChunk(data));
    bytes += data.length;
  }
  return bytes;
}

/** What storage really holds in `ns`: index entries and output blob bytes. */
async function held(r: ReturnType<typeof replica>, ns: string) {
  let entries = 0;
  for await (const _ of r.index.scan(ns)) entries++;
  let bytes = 0;
  for await (const item of r.blobs.list(`${ns}/o/`)) bytes += item.size;
  return { entries, bytes };
}

describe("replicas on shared S3 + Redis: maintenance passes at once", () => {
  it("two gc passes on two replicas at once leave the usage counters equal to what storage holds", async () => {
    const [a, b] = [replica(), replica()];
    const ns = freshNamespace();
    await putEntries(a.core, ns, 6);
    // Outputs nothing refers to (entries evicted long ago): both passes find them past the grace period.
    for (let i = 0; i < 4; i++) {
      const data = Buffer.alloc(7000 + i, 100 + i);
      await a.blobs.put(outputKey(ns, sha256Hex(data)), oneChunk(data), { size: data.length, sha256Hex: sha256Hex(data) });
    }
    // The counters drifted a little since the last pass (an accepted drift: a pass corrects it).
    await a.index.addUsage(ns, { entries: 2, bytes: 50_000 });

    const later = Date.now() + 2 * HOUR;
    const policy = { maxAgeMs: 0, maxSizeBytes: 0, graceMs: HOUR };
    const reports = await Promise.all([runGc({ ...a, logger }, policy, later), runGc({ ...b, logger }, policy, later)]);

    // One pass did the work; the other found the store's maintenance lease held and left it alone.
    expect(reports.map((report) => report.busy ?? false).sort()).toEqual([false, true]);
    const truth = await held(a, ns);
    expect(truth.entries).toBe(6);
    expect((await a.index.usage()).get(ns)).toEqual(truth);
    await Promise.all([a.core.close(), b.core.close()]);
  });

  it("two replicas rebuilding a flushed index at once restore the usage counters once", async () => {
    const [a, b] = [replica(), replica()];
    const ns = freshNamespace();
    await putEntries(a.core, ns, 8);
    const truth = await held(a, ns);
    expect((await a.index.usage()).get(ns)).toEqual(truth);
    // A flushed Redis: every replica's next miss starts its own background rebuild (cache/repair.ts).
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();

    const results = await Promise.all([rebuildIndex(a.blobs, a.index), rebuildIndex(b.blobs, b.index)]);

    expect(results.map((result) => result.busy ?? false).sort()).toEqual([false, true]);
    expect(await a.index.isComplete()).toBe(true);
    expect((await a.index.usage()).get(ns)).toEqual(truth);
    await Promise.all([a.core.close(), b.core.close()]);
  });
});

describe("replicas on shared S3 + Redis: sessions of one build key ending at once", () => {
  it("keep every session's manifest, whichever replica each upload reaches", async () => {
    const replicas = [replica(), replica(), replica()];
    const ns = freshNamespace();
    const key = randomHexId();
    const sessions = replicas.map(() => [randomBytes(32), randomBytes(32), randomBytes(32)]);
    await Promise.all(replicas.map((r, i) => r.core.manifests.add(ns, key, sessions[i]!)));
    const expected = sessions
      .flat()
      .map((id) => id.toString("hex"))
      .sort();
    for (const r of replicas) expect((await r.core.manifests.union(ns, key)).sort()).toEqual(expected);
    await Promise.all(replicas.map((r) => r.core.close()));
  });
});

describe("the maintenance lease across openers", () => {
  it("is held by one replica at a time on one Redis", async () => {
    const [a, b] = [replica(), replica()];
    await leaseContract(a.index, b.index);
    await Promise.all([a.core.close(), b.core.close()]);
  });

  it("is held by one opener at a time on one embedded directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gcp-lease-"));
    const [a, b] = [await EmbeddedIndex.open({ path: join(dir, "index") }), await EmbeddedIndex.open({ path: join(dir, "index") })];
    try {
      await leaseContract(a, b);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
