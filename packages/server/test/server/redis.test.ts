import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { routes } from "@gocacheprog/common";
import { BatchLookupRequest, BatchLookupResponse } from "@gocacheprog/common/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedis } from "../../../../test/harness/redis.ts";
import { MAINTENANCE_LEASE } from "../../src/cache/lease.ts";
import { RedisIndex } from "../../src/storage/index/redis.ts";
import { buildTestBin, putOutput, randomId, send, startTestServer } from "../support/real-server.ts";

let bin: Awaited<ReturnType<typeof buildTestBin>>;
let redis: RedisServer;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  redis = await startRedis();
  server = await startTestServer(["--redis-url", redis.url, "--backend-timeout", "500ms"]);
  bin = await buildTestBin();
});
afterAll(async () => {
  await server?.close();
  await redis?.stop();
  await bin?.remove();
});

/** `gocacheprog-server rebuild-index` on the test server's storage, as an operator runs it. */
const rebuildIndexCli = () =>
  promisify(execFile)(process.execPath, [
    bin.main,
    "rebuild-index",
    "--redis-url",
    redis.url,
    "--data-dir",
    server.options.dataDir!,
    "--log-level",
    "silent",
  ]);

async function batchFound(actions: string[]): Promise<boolean[]> {
  const body = BatchLookupRequest.encode({ actionIds: actions.map((a) => Buffer.from(a, "hex")) }).finish();
  const res = await send(server.url, "POST", routes.batchLookup, {
    headers: { "content-type": "application/x-protobuf", "content-length": String(body.length) },
    body,
  });
  expect(res.status).toBe(200);
  return BatchLookupResponse.decode(res.body).entries.map((e) => e.found === true);
}

describe("Redis index on a real port", () => {
  it("keeps serving while redis-server is down and recovers when it returns", async () => {
    expect(server.core.index.kind).toBe("redis");
    const data = randomBytes(100_000);
    const before = randomId();
    expect((await putOutput(server.url, before, data)).status).toBe(201);

    await redis.stop();
    // Lookups fall back to the record copies in the blob store instead of hanging on Redis.
    const hit = await send(server.url, "GET", routes.action(before));
    expect([hit.status, hit.body.equals(data)]).toEqual([200, true]);
    expect((await send(server.url, "GET", routes.action(randomId()))).status).toBe(404);
    expect((await send(server.url, "GET", "/readyz")).status).toBe(503);
    const during = randomId();
    expect((await putOutput(server.url, during, randomBytes(50_000))).status).toBe(201);

    await redis.restart();
    await waitFor(async () => (await send(server.url, "GET", "/readyz")).status === 200);
    // The restarted Redis is empty: lazy fill brings entries back on lookup.
    expect((await send(server.url, "GET", routes.action(during))).status).toBe(200);
    expect(await batchFound([during])).toEqual([true]);
  });

  it("rebuild-index after FLUSHALL restores every entry", async () => {
    const actions = [randomId(), randomId(), randomId()];
    for (const action of actions) await putOutput(server.url, action, randomBytes(30_000));
    expect(await batchFound(actions)).toEqual([true, true, true]);
    await flushAll(redis.port);
    // Batch lookups read the index only, so they show the flush.
    expect(await batchFound(actions)).toEqual([false, false, false]);
    const { stdout } = await rebuildIndexCli();
    expect(JSON.parse(stdout).restored).toBeGreaterThanOrEqual(3);
    expect(await batchFound(actions)).toEqual([true, true, true]);
  });

  it("rebuild-index while another process holds the maintenance lease: exit 75, nothing restored", async () => {
    const action = randomId();
    await putOutput(server.url, action, randomBytes(30_000));
    await flushAll(redis.port);
    const other = new RedisIndex({ url: redis.url, commandTimeoutMs: 5000 });
    expect(await other.lease?.(MAINTENANCE_LEASE, "a gc pass elsewhere", 60_000)).toBe(true);
    try {
      const run = rebuildIndexCli();
      const failed = await run.then(
        () => undefined,
        (err: { code: number; stdout: string }) => err,
      );
      expect(failed?.code).toBe(75);
      expect(JSON.parse(failed?.stdout ?? "{}")).toMatchObject({ busy: true, restored: 0 });
      expect(await batchFound([action])).toEqual([false]);
    } finally {
      await other.releaseLease?.(MAINTENANCE_LEASE, "a gc pass elsewhere");
      await other.close();
    }
  });
});

async function flushAll(port: number): Promise<void> {
  const { Redis } = await import("ioredis");
  const client = new Redis(port, "127.0.0.1");
  await client.flushall();
  client.disconnect();
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  while (!(await check().catch(() => false))) await new Promise((resolve) => setTimeout(resolve, 100));
}
