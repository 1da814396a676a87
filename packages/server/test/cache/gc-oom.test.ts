import { randomBytes } from "node:crypto";
import { sha256Hex } from "@gocacheprog/common";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedis } from "../../../../test/harness/redis.ts";
import { runGc } from "../../src/cache/gc.ts";
import { writeRecordCopy } from "../../src/cache/records.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { RedisIndex } from "../../src/storage/index/redis.ts";
import type { ActionRecord } from "../../src/storage/index/types.ts";
import { actionRecordKey } from "../../src/storage/keys.ts";
import { freshNamespace, randomHexId } from "../support/contract-helpers.ts";
import { FakeBlobStore, LogCapture } from "../support/fakes.ts";

const DAY = 24 * 3600e3;
const INLINE = 8000;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

function inlineRecord(lastAccessMs: number): ActionRecord {
  const inline = randomBytes(INLINE);
  return { outputId: Buffer.from(sha256Hex(inline), "hex"), size: INLINE, putTimeMs: lastAccessMs, lastAccessMs, inline };
}

describe("gc at a Redis maxmemory with noeviction", () => {
  it("evicts what the policy says although counter updates are refused, and the next pass corrects the counters", async () => {
    const now = Date.now();
    const ns = freshNamespace();
    const blobs = new FakeBlobStore();
    const index = new RedisIndex({ url: redis.url, commandTimeoutMs: 5000 });
    const raw = new Redis(redis.url);
    try {
      // 120 entries, each with its record copy, as a put leaves them: 60 unread for 20 days, 60 read just now.
      const expired: string[] = [];
      const fresh: string[] = [];
      for (let i = 0; i < 120; i++) {
        const action = randomHexId();
        const record = inlineRecord(i < 60 ? now - 20 * DAY : now);
        await index.set(ns, action, record);
        await writeRecordCopy(blobs, ns, action, record);
        (i < 60 ? expired : fresh).push(action);
      }
      // The counters drifted (an update lost while Redis was down): the pass corrects them before it deletes.
      await index.addUsage(ns, { entries: 3, bytes: 12_345 });
      // Other data (or a burst of puts) pushed Redis over its limit: every write that may grow memory is refused.
      const used = Number(/used_memory:(\d+)/.exec(await raw.info("memory"))![1]);
      await raw.config("SET", "maxmemory-policy", "noeviction");
      await raw.config("SET", "maxmemory", String(used - 100_000));
      await expect(index.addUsage(ns, { entries: 0, bytes: 1 })).rejects.toThrow(/OOM/);

      const logs = new LogCapture();
      const gc = () =>
        runGc({ blobs, index, logger: createLogger("warn", logs) }, { maxAgeMs: 14 * DAY, maxSizeBytes: 0, graceMs: 0 }, now);
      const first = await gc();
      expect([first.entries, first.expired, first.evictedForSize]).toEqual([120, 60, 0]);
      expect(logs.text).toMatch(/some deletions or counter updates failed/);
      const inIndex = async () => await Promise.all([...expired, ...fresh].map(async (a) => (await index.get(ns, a)) !== null));
      expect(await inIndex()).toEqual([...expired.map(() => false), ...fresh.map(() => true)]);
      // Nor is a record copy of an evicted entry left behind: the next pass (or a rebuild) would put it back as just read.
      expect(expired.filter((a) => blobs.objects.has(actionRecordKey(ns, a)))).toEqual([]);

      // The deletions freed the memory: the next pass finds the counters behind and corrects them exactly.
      await index.addUsage(ns, { entries: 0, bytes: 1 });
      await index.addUsage(ns, { entries: 0, bytes: -1 });
      const second = await gc();
      expect([second.entries, second.expired, second.reindexed]).toEqual([60, 0, 0]);
      expect(await inIndex()).toEqual([...expired.map(() => false), ...fresh.map(() => true)]);
      expect((await index.usage()).get(ns)).toEqual({ entries: 60, bytes: 60 * INLINE });
    } finally {
      await raw.config("SET", "maxmemory", "0");
      raw.disconnect();
      await index.close();
    }
  });
});
