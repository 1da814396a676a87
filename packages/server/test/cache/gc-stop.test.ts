import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { scheduleGc } from "../../src/cache/gc-schedule.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { parseOutputKey } from "../../src/storage/keys.ts";
import { LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";
import { put } from "./gc-support.ts";

// A replica's SIGTERM stops its gc pass at the next step (server.ts); the store it leaves must be one
// the next pass, on any replica, simply finishes.

const DAY = 86_400e3;

async function filledApp(count: number) {
  const test = makeTestApp({ core: { inlineMax: 0 } });
  for (let i = 0; i < count; i++) expect(await put(test.app, randomHex(), Buffer.alloc(2000 + i, i % 251))).toBe(201);
  return test;
}

describe("a gc pass stopped by its signal", () => {
  it("stops between deletions, releases the lease, and leaves a store the next pass finishes", async () => {
    const { blobs, index } = await filledApp(40);
    const logger = createLogger("silent", new LogCapture());
    const stop = new AbortController();
    // Every entry is past max-age: the pass deletes record copies, records and outputs. It is stopped
    // after its fifth deletion.
    const del = blobs.delete.bind(blobs);
    let deletions = 0;
    blobs.delete = async (key) => {
      if (++deletions === 5) stop.abort();
      return del(key);
    };
    const policy = { maxAgeMs: DAY, maxSizeBytes: 0, graceMs: 0 };
    const later = Date.now() + 2 * DAY;
    await expect(runGc({ blobs, index, logger }, { ...policy, concurrency: 4, signal: stop.signal }, later)).rejects.toThrow(/abort/i);
    // At most the deletions already in flight finished after the stop (4 at once): most entries are still there.
    expect(deletions).toBeLessThan(5 + 4 * 2);
    expect(index.records.size).toBeGreaterThan(30);

    // The lease went with the stopped pass: the next one runs at once, and finishes the work.
    const report = await runGc({ blobs, index, logger }, policy, later);
    expect(report.busy).toBeUndefined();
    expect(index.records.size).toBe(0);
    expect([...blobs.objects.keys()].filter((key) => parseOutputKey(key))).toEqual([]);
    expect((await index.usage()).get("default") ?? { entries: 0, bytes: 0 }).toEqual({ entries: 0, bytes: 0 });
  });

  it("stops while listing the store: nothing deleted, the usage counters untouched", async () => {
    const { blobs, index } = await filledApp(10);
    const logger = createLogger("silent", new LogCapture());
    const usage = await index.usage();
    const objects = blobs.objects.size;
    const stop = new AbortController();
    const list = blobs.list.bind(blobs);
    let listed = 0;
    blobs.list = async function* (prefix: string) {
      for await (const item of list(prefix)) {
        if (++listed === 3) stop.abort();
        yield item;
      }
    };
    const policy = { maxAgeMs: DAY, maxSizeBytes: 0, graceMs: 0, signal: stop.signal };
    await expect(runGc({ blobs, index, logger }, policy, Date.now() + 2 * DAY)).rejects.toThrow(/abort/i);
    expect(listed).toBe(3);
    expect(blobs.objects.size).toBe(objects);
    expect(index.records.size).toBe(10);
    expect(await index.usage()).toEqual(usage);
  });
});

describe("the gc schedule at shutdown", () => {
  it("stop() aborts the pass in progress and waits for it to end; no pass starts after it", async () => {
    const logs = new LogCapture();
    const logger = createLogger("info", logs);
    let passes = 0;
    let ended = false;
    const gc = scheduleGc(
      async (signal) => {
        passes++;
        // A pass that only ends when stopped, as a pass over a store too large to finish would.
        await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
        ended = true;
      },
      3600e3,
      logger,
      0,
    );
    gc.runSoon();
    expect(passes).toBe(1);
    await gc.stop();
    expect(ended).toBe(false);
    gc.runSoon();
    expect(passes).toBe(1);
    expect(logs.text).toMatch(/gc pass stopped for shutdown/);
    expect(logs.text).not.toMatch(/scheduled gc failed/);
  });
});
