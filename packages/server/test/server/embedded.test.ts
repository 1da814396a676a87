import { randomBytes } from "node:crypto";
import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { headers, routes, TEMP_FILE_PREFIX } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { outputKey } from "../../src/storage/keys.ts";
import { compressedEntriesOnRealStore, flipBytes } from "../support/compressed-real.ts";
import { afterTimestampTick } from "../support/contract-helpers.ts";
import { LogCapture } from "../support/fakes.ts";
import { putOutput, randomId, send, sha256, startTestServer } from "../support/real-server.ts";

let server: Awaited<ReturnType<typeof startTestServer>>;
const blobPath = (outputHex: string) => join(server.options.dataDir!, "blobs", ...outputKey("default", outputHex).split("/"));
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  server = await startTestServer(["--verify-buffer-max", "1MiB"]);
});
afterAll(async () => {
  await server?.close();
});

describe("embedded default on a real port", () => {
  const pathOf = (key: string) => join(server.options.dataDir!, "blobs", ...key.split("/"));
  compressedEntriesOnRealStore(() => server.url, {
    async corrupt(key) {
      const onDisk = await readFile(pathOf(key));
      flipBytes(onDisk);
      await writeFile(pathOf(key), onDisk);
    },
    has: (key) => exists(pathOf(key)),
  });

  it("streams a 64 MiB output up and back down with identical bytes", async () => {
    const data = randomBytes(64 * 1024 * 1024);
    const action = randomId();
    expect((await putOutput(server.url, action, data)).status).toBe(201);
    const got = await send(server.url, "GET", routes.action(action));
    expect(got.status).toBe(200);
    expect(got.body.length).toBe(data.length);
    expect(got.body.equals(data)).toBe(true);
  });

  it("detects a blob corrupted on disk behind the server by its sha256, answers a miss and removes it", async () => {
    const data = randomBytes(200_000);
    const action = randomId();
    await putOutput(server.url, action, data);
    const path = blobPath(sha256(data));
    const onDisk = await readFile(path);
    onDisk[1234] = onDisk[1234]! ^ 0x55;
    await writeFile(path, onDisk);
    const res = await send(server.url, "GET", routes.action(action));
    expect(res.status).toBe(404);
    expect(await exists(path)).toBe(false);
    // The action can be stored again and is served correctly afterwards.
    expect((await putOutput(server.url, action, data)).status).toBe(201);
    expect((await send(server.url, "GET", routes.action(action))).body.equals(data)).toBe(true);
  });

  it("refuses an upload whose bytes do not match its OutputID with 400 over a real socket, and stores nothing", async () => {
    const data = randomBytes(600_000);
    const claimed = sha256(randomBytes(16));
    const action = randomId();
    const res = await putOutput(server.url, action, data, { [headers.outputId]: claimed });
    expect(res.status).toBe(400);
    expect(await exists(blobPath(claimed))).toBe(false);
    expect((await send(server.url, "GET", routes.action(action))).status).toBe(404);
    // The server still takes the right bytes for that action afterwards.
    expect((await putOutput(server.url, action, data)).status).toBe(201);
    expect((await send(server.url, "GET", routes.action(action))).body.equals(data)).toBe(true);
  });

  it("answers many concurrent hits on 1 MiB outputs with each one's own bytes (read buffers are reused)", async () => {
    const outputs = Array.from({ length: 6 }, () => ({ action: randomId(), data: randomBytes(1024 * 1024) }));
    for (const { action, data } of outputs) expect((await putOutput(server.url, action, data)).status).toBe(201);
    const rounds = await Promise.all(
      Array.from({ length: 48 }, async (_, i) => {
        const { action, data } = outputs[i % outputs.length]!;
        return (await send(server.url, "GET", routes.action(action))).body.equals(data);
      }),
    );
    expect(rounds.every(Boolean)).toBe(true);
  });

  it("checks a blob again once it changed on disk, after reads that proved it intact", async () => {
    const data = randomBytes(200_000);
    const action = randomId();
    await putOutput(server.url, action, data);
    const path = blobPath(sha256(data));
    await afterTimestampTick(path);
    // Long after the write, so the reads below may skip hashing bytes already proved.
    const later = vi.spyOn(Date, "now").mockReturnValue(Date.now() + 60_000);
    try {
      for (let i = 0; i < 2; i++) expect((await send(server.url, "GET", routes.action(action))).body.equals(data)).toBe(true);
      const onDisk = await readFile(path);
      onDisk[1234] = onDisk[1234]! ^ 0x55;
      await writeFile(path, onDisk);
      expect((await send(server.url, "GET", routes.action(action))).status).toBe(404);
      expect(await exists(path)).toBe(false);
    } finally {
      later.mockRestore();
    }
  });

  it("cuts the response of a large corrupt blob (checked while streaming) and removes it", async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const action = randomId();
    await putOutput(server.url, action, data);
    const path = blobPath(sha256(data));
    const onDisk = await readFile(path);
    onDisk[onDisk.length - 10] = onDisk[onDisk.length - 10]! ^ 1;
    await writeFile(path, onDisk);
    await expect(send(server.url, "GET", routes.action(action))).rejects.toThrow();
    expect(await exists(path)).toBe(false);
    expect((await send(server.url, "GET", routes.action(action))).status).toBe(404);
  });

  it("gc removes entries unread past max age, then outputs nothing refers to", async () => {
    const old = randomBytes(100_000);
    const fresh = randomBytes(100_000);
    const [oldAction, freshAction] = [randomId(), randomId()];
    await putOutput(server.url, oldAction, old);
    const later = Date.now() + 20 * 86400e3;
    await putOutput(server.url, freshAction, fresh);
    await server.core.index.touch("default", freshAction, later);
    const report = await runGc(
      { blobs: server.core.blobs, index: server.core.index, logger: createLogger("silent", new LogCapture()) },
      { maxAgeMs: 14 * 86400e3, maxSizeBytes: 0, graceMs: 3600e3 },
      later,
    );
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect((await send(server.url, "GET", routes.action(oldAction))).status).toBe(404);
    expect(await exists(blobPath(sha256(old)))).toBe(false);
    expect((await send(server.url, "GET", routes.action(freshAction))).body.equals(fresh)).toBe(true);
  });

  it("gc evicts least recently read entries to fit the size budget", async () => {
    const [a, b] = [randomBytes(300_000), randomBytes(300_000)];
    const [actionA, actionB] = [randomId(), randomId()];
    await putOutput(server.url, actionA, a);
    await putOutput(server.url, actionB, b);
    const now = Date.now() + 1000;
    await server.core.index.touch("default", actionB, now);
    await runGc(
      { blobs: server.core.blobs, index: server.core.index, logger: createLogger("silent", new LogCapture()) },
      { maxAgeMs: 0, maxSizeBytes: 400_000, graceMs: 0 },
      now,
    );
    expect((await send(server.url, "GET", routes.action(actionA))).status).toBe(404);
    expect((await send(server.url, "GET", routes.action(actionB))).body.equals(b)).toBe(true);
  });
});

describe("--metrics-listen", () => {
  it("serves /metrics on its own port and not on the cache port", async () => {
    const apart = await startTestServer(["--metrics-listen", "127.0.0.1:0"]);
    try {
      expect(apart.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(apart.metricsUrl).not.toBe(apart.url);
      await putOutput(apart.url, randomId(), randomBytes(100));
      const scraped = await send(apart.metricsUrl as string, "GET", "/metrics");
      expect(scraped.status).toBe(200);
      expect(scraped.body.toString()).toMatch(/gocacheprog_bytes_in_total [1-9]/);
      expect((await send(apart.url, "GET", "/metrics")).status).toBe(404);
      // The metrics port answers nothing else: no cache route is reachable through it.
      expect((await send(apart.metricsUrl as string, "GET", "/healthz")).status).toBe(404);
    } finally {
      await apart.close();
    }
  });

  it("gc removes temp files of puts that never finished once older than the grace period, and counts them", async () => {
    const data = randomBytes(100_000);
    await putOutput(server.url, randomId(), data);
    const dir = dirname(blobPath(sha256(data)));
    const stale = join(dir, `${TEMP_FILE_PREFIX}crashed-put`);
    const fresh = join(dir, `${TEMP_FILE_PREFIX}put-in-flight`);
    await writeFile(stale, randomBytes(70_000));
    await writeFile(fresh, randomBytes(10));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600e3);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    const report = await runGc(
      { blobs: server.core.blobs, index: server.core.index, logger: createLogger("silent", new LogCapture()) },
      { maxAgeMs: 0, maxSizeBytes: 0, graceMs: 3600e3 },
    );
    expect([report.leftovers, report.leftoverBytes]).toEqual([1, 70_000]);
    expect([await exists(stale), await exists(fresh), await exists(blobPath(sha256(data)))]).toEqual([false, true, true]);
  });
});
