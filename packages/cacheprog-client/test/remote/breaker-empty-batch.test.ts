// Only an answer from the server closes the breaker or resets its failure count. A batch upload whose
// every output has gone from the local tier sends no request at all (RemoteClient.uploadBatch returns
// early): it must count as neither a success nor a failure.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import { CircuitBreaker } from "../../src/remote/breaker.ts";
import { RemoteClient } from "../../src/remote/http.ts";
import { RemoteTier } from "../../src/remote/tier.ts";
import { BATCH_LINGER_MS } from "../../src/remote/upload-batch.ts";
import { idOf, listenOnLoopback, sha256, stopServer } from "../helpers.ts";

let server: Server;
let url: string;
let requests = 0;
let tier: RemoteTier | undefined;

beforeAll(async () => {
  // An unwell remote: every request fails with 502.
  server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(502).end();
  });
  url = await listenOnLoopback(server);
});
afterEach(async () => {
  await tier?.close();
  tier = undefined;
});
afterAll(async () => {
  await stopServer(server);
});

async function setup(now: () => number): Promise<{ tier: RemoteTier; breaker: CircuitBreaker }> {
  const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "breaker-batch-")) });
  const client = new RemoteClient({ url, timeoutMs: 2000, connections: 2, uploadConnections: 1 });
  const breaker = new CircuitBreaker(3, 60_000, now);
  tier = new RemoteTier(
    disk,
    client,
    breaker,
    new Stats(),
    createLogger("error", () => {}),
    {
      uploads: true,
      uploadConcurrency: 1,
      uploadQueue: 10,
      drainTimeoutMs: 1000,
      linkThresholdBytes: 64 * 1024,
      batchUploads: true,
      displayUrl: url,
    },
  );
  return { tier, breaker };
}

/** go puts an output, and it goes from the local tier (another process trimmed it) before its batch is sent. */
async function putThenLose(t: RemoteTier, seed: string): Promise<void> {
  const body = Buffer.from(`output ${seed}`);
  const { diskPath } = await t.put(idOf(seed), sha256(body), body);
  rmSync(diskPath);
  await new Promise((r) => setTimeout(r, BATCH_LINGER_MS + 150));
}

describe("breaker and a batch that sent nothing", () => {
  it("does not reset the failure count: three lookups failing in a row still open it", async () => {
    const { tier: t, breaker } = await setup(Date.now);
    expect((await t.get(idOf("e1"))).hit).toBe(false);
    expect((await t.get(idOf("e2"))).hit).toBe(false);
    const before = requests;
    await putThenLose(t, "gone");
    expect(requests).toBe(before); // no request reached the server
    expect((await t.get(idOf("e3"))).hit).toBe(false);
    // Three consecutive failed requests to the server, and nothing else answered in between.
    expect(breaker.isOpen).toBe(true);
  });

  it("does not close a half-open breaker without a request", async () => {
    let clock = 1_000_000;
    const { tier: t, breaker } = await setup(() => clock);
    for (const seed of ["f1", "f2", "f3"]) await t.get(idOf(seed));
    expect(breaker.isOpen).toBe(true);
    clock += 61_000; // half-open: the next request is the trial
    const before = requests;
    await putThenLose(t, "gone too");
    expect(requests).toBe(before);
    expect(breaker.isClosed).toBe(false);
  });
});
