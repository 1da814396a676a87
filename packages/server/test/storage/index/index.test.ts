import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RedisCluster,
  type RedisSentinel,
  type RedisServer,
  startRedis,
  startRedisCluster,
  startSentinel,
} from "../../../../../test/harness/redis.ts";
import { BackendUnavailableError } from "../../../src/storage/errors.ts";
import { EmbeddedIndex } from "../../../src/storage/index/embedded.ts";
import { RedisIndex } from "../../../src/storage/index/redis.ts";
import { redisActionKey } from "../../../src/storage/keys.ts";
import { collect, freshNamespace, randomHexId } from "../../support/contract-helpers.ts";
import { runIndexContract, sampleRecord } from "./index.contract.ts";

const tempDirs: string[] = [];
let redis: RedisServer;
let sentinel: RedisSentinel;
let cluster: RedisCluster;

beforeAll(async () => {
  redis = await startRedis();
  sentinel = await startSentinel(redis);
  cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
  await sentinel?.stop();
  await redis?.stop();
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

async function embeddedPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gcp-index-"));
  tempDirs.push(dir);
  return join(dir, "index");
}

let embeddedAt = "";
runIndexContract("embedded (lmdb)", {
  open: async () => {
    embeddedAt = await embeddedPath();
    return EmbeddedIndex.open({ path: embeddedAt });
  },
  reopen: async (index) => {
    await index.close();
    return EmbeddedIndex.open({ path: embeddedAt });
  },
});

// The contract checks behaviour, not deadlines (the fault tests below use the real 500 ms default),
// so a busy CI machine must not turn a slow answer into a failure here.
const CONTRACT_TIMEOUT_MS = 5_000;

runIndexContract("Redis (redis-server)", {
  open: async () => new RedisIndex({ url: redis.url, commandTimeoutMs: CONTRACT_TIMEOUT_MS }),
  reopen: async (index) => {
    await index.close();
    return new RedisIndex({ url: redis.url, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
  },
});

// The same contract with the master found through a real Sentinel (what --redis-sentinels wires up);
// its own key prefix keeps it apart from the direct suite on the same redis-server.
const viaSentinel = () =>
  new RedisIndex({
    redisOptions: { sentinels: [{ host: sentinel.host, port: sentinel.port }], name: sentinel.name },
    keyPrefix: "snt:",
    commandTimeoutMs: CONTRACT_TIMEOUT_MS,
  });
runIndexContract("Redis via Sentinel", {
  open: async () => viaSentinel(),
  reopen: async (index) => {
    await index.close();
    return viaSentinel();
  },
});

// And on a real 3-master Redis Cluster (what --redis-cluster-nodes wires up): keys spread over the
// slots of all masters, scans walk every master.
const onCluster = () => new RedisIndex({ cluster: { nodes: cluster.nodes }, commandTimeoutMs: CONTRACT_TIMEOUT_MS });
runIndexContract("Redis Cluster", {
  open: async () => onCluster(),
  reopen: async (index) => {
    await index.close();
    return onCluster();
  },
});

describe("RedisIndex", () => {
  it("treats a record it cannot decode as a miss", async () => {
    const index = new RedisIndex({ url: redis.url, keyPrefix: "odd:" });
    const raw = new Redis(redis.url);
    try {
      const ns = freshNamespace();
      const [garbage, future] = [randomHexId(), randomHexId()];
      await raw.hset(redisActionKey("odd:", ns, garbage), "r", Buffer.from("not msgpack at all"));
      const { Packr } = await import("msgpackr");
      await raw.hset(redisActionKey("odd:", ns, future), "r", new Packr({ useRecords: false }).pack({ v: 2, anything: 1 }));
      expect(await index.get(ns, garbage)).toBeNull();
      expect(await index.getMany(ns, [future, garbage])).toEqual([null, null]);
      expect((await collect(index.scan())).filter((entry) => entry.namespace === ns)).toEqual([]);
    } finally {
      raw.disconnect();
      await index.close();
    }
  });

  it("runs a script again when Redis answers NOSCRIPT more than once (a young Cluster's redirects)", async () => {
    const index = new RedisIndex({ url: redis.url });
    // The command as ioredis defines it, answering NOSCRIPT twice first: ioredis's own single resend
    // can meet it again when a redirect put the EVAL on a connection that never ran it.
    type AddUsage = (...args: unknown[]) => Promise<unknown>;
    const client = (index as unknown as { client: { gocacheprogAddUsage: AddUsage } }).client;
    let refusals = 2;
    Object.defineProperty(index, "scripts", {
      get: () => ({
        gocacheprogAddUsage: (...args: unknown[]) =>
          refusals-- > 0 ? Promise.reject(new Error("NOSCRIPT No matching script. Please use EVAL.")) : client.gocacheprogAddUsage(...args),
      }),
    });
    try {
      const ns = freshNamespace();
      await index.addUsage(ns, { entries: 1, bytes: 10 });
      expect((await index.usage()).get(ns)).toEqual({ entries: 1, bytes: 10 });
    } finally {
      await index.close();
    }
  });

  it("keeps separate key prefixes apart", async () => {
    const [one, two] = [new RedisIndex({ url: redis.url, keyPrefix: "one:" }), new RedisIndex({ url: redis.url, keyPrefix: "two:" })];
    const ns = freshNamespace();
    const action = randomHexId();
    await one.set(ns, action, sampleRecord());
    expect(await two.get(ns, action)).toBeNull();
    expect((await collect(two.scan())).some((entry) => entry.actionHex === action)).toBe(false);
    await Promise.all([one.close(), two.close()]);
  });

  it("fails fast with BackendUnavailableError while Redis is down, and recovers when it returns", async () => {
    const index = new RedisIndex({ url: redis.url, commandTimeoutMs: 300 });
    const ns = freshNamespace();
    const action = randomHexId();
    const record = sampleRecord();
    await index.set(ns, action, record);
    await redis.stop();
    try {
      await expect(index.get(ns, action)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(index.getMany(ns, [action])).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(index.set(ns, action, record)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(index.touch(ns, action, Date.now())).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(index.delete(ns, action)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(collect(index.scan())).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(index.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
    } finally {
      await redis.restart();
    }
    await eventually(() => index.ping());
    // The harness Redis keeps no data across a restart: this is the "lost Redis" case rebuild covers.
    expect(await index.get(ns, action)).toBeNull();
    await index.set(ns, action, record);
    expect(await index.get(ns, action)).toEqual(record);
    await index.close();
  });

  it("times out with BackendUnavailableError while Redis hangs, and answers again when it resumes", async () => {
    const index = new RedisIndex({ url: redis.url, commandTimeoutMs: 300 });
    const ns = freshNamespace();
    const action = randomHexId();
    const record = sampleRecord();
    await index.set(ns, action, record);
    await redis.pause();
    try {
      await expect(index.get(ns, action)).rejects.toBeInstanceOf(BackendUnavailableError);
      await expect(index.set(ns, randomHexId(), record)).rejects.toBeInstanceOf(BackendUnavailableError);
    } finally {
      redis.resume();
    }
    await eventually(() => index.ping());
    expect(await index.get(ns, action)).toEqual(record);
    await index.close();
  });

  it("a client that starts while Redis is down fails fast, then connects when Redis is up", async () => {
    await redis.stop();
    const index = new RedisIndex({ url: redis.url, commandTimeoutMs: 300, connectTimeoutMs: 300 });
    try {
      await expect(index.get(freshNamespace(), randomHexId())).rejects.toBeInstanceOf(BackendUnavailableError);
    } finally {
      await redis.restart();
    }
    await eventually(() => index.ping());
    expect(await index.get(freshNamespace(), randomHexId())).toBeNull();
    await index.close();
  });
});

/** Retries until `probe` resolves; the reconnect backoff decides when, the test timeout bounds it. */
async function eventually(probe: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      await probe();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
