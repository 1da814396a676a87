import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisCluster, startRedisCluster } from "../../../../../test/harness/redis.ts";
import { RedisIndex } from "../../../src/storage/index/redis.ts";
import { collect, freshNamespace, randomHexId } from "../../support/contract-helpers.ts";
import { sampleRecord } from "./index.contract.ts";

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

/** What scan() answered: the number of records it yielded, or the error it threw. */
async function scanned(index: RedisIndex, ns: string): Promise<number | string> {
  try {
    return (await collect(index.scan(ns))).length;
  } catch (err) {
    return (err as Error).name;
  }
}

// gc builds its reference map from index.scan(): a scan that silently yields nothing (or only the
// records of some masters) reads as "the index lost these entries" instead of "Redis is unavailable".
describe("RedisIndex.scan on a Cluster must yield every record or throw BackendUnavailableError", () => {
  const ns = freshNamespace();
  const actions = Array.from({ length: 60 }, () => randomHexId());
  const ok = [actions.length, "BackendUnavailableError"];

  beforeAll(async () => {
    const writer = new RedisIndex({ cluster: { nodes: cluster.nodes }, commandTimeoutMs: 5000 });
    for (const action of actions) await writer.set(ns, action, sampleRecord());
    expect((await collect(writer.scan(ns))).length).toBe(actions.length);
    await writer.close();
  });

  it("right after the client is created (seeded with every node)", async () => {
    const fresh = new RedisIndex({ cluster: { nodes: cluster.nodes }, commandTimeoutMs: 5000 });
    try {
      expect(ok).toContain(await scanned(fresh, ns));
    } finally {
      await fresh.close();
    }
  });
});
