import { headers, routes, sha256Hex } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import type { IndexEntry } from "../../src/storage/index/types.ts";
import { type FakeIndex, LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";
import { put, storeOutput } from "./gc-support.ts";

const logger = createLogger("silent", new LogCapture());
const HOUR = 3600e3;
const policy = { maxAgeMs: 0, maxSizeBytes: 0, graceMs: HOUR };

/** As the server wires it: a put reuses blobs younger than half of gc's grace. */
function app() {
  return makeTestApp({ core: { inlineMax: 0, reuseMaxAgeMs: policy.graceMs / 2 } });
}

type App = ReturnType<typeof app>["app"];

const link = async (made: App, action: string, data: Buffer) =>
  (
    await made.request(routes.action(action), {
      method: "PUT",
      headers: { [headers.outputId]: sha256Hex(data), [headers.outputSize]: String(data.length), "content-length": "0" },
    })
  ).status;

const get = async (made: App, action: string) => {
  const res = await made.request(routes.action(action));
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
};

/**
 * Runs `during` once gc has read the whole index and before it deletes anything: a put that lands
 * mid-pass, its record unseen by the pass. No timing involved: the pass waits for it.
 */
function whenScanned(index: FakeIndex, during: () => Promise<void>): void {
  const scan = index.scan.bind(index);
  index.scan = async function* (namespace?: string): AsyncIterable<IndexEntry> {
    yield* scan(namespace);
    await during();
  };
}

describe("gc against a put that reuses an output during the pass", () => {
  it("keeps an old orphaned output a put stored under a new action after the scan", async () => {
    const { app: made, blobs, index } = app();
    const data = Buffer.alloc(5000, 9);
    // Nothing refers to it any more (its entry was evicted long ago), and it is past the grace period.
    const key = storeOutput(blobs, data, Date.now() - 2 * HOUR);
    const action = randomHex();
    whenScanned(index, async () => expect(await put(made, action, data)).toBe(201));

    const report = await runGc({ blobs, index, logger }, policy);

    const hit = await get(made, action);
    expect(hit.status).toBe(200);
    expect(hit.body.equals(data)).toBe(true);
    expect([report.orphanOutputs, blobs.objects.has(key)]).toEqual([0, true]);
  });

  it("keeps a young output whose last entry the pass evicts, when a put reused it after the scan", async () => {
    const { app: made, blobs, index } = app();
    const data = Buffer.alloc(5000, 4);
    const [evicted, reusing] = [randomHex(), randomHex()];
    expect(await put(made, evicted, data)).toBe(201);
    whenScanned(index, async () => expect(await put(made, reusing, data)).toBe(201));

    // A budget of one byte evicts the only entry the scan saw, freeing its output.
    const report = await runGc({ blobs, index, logger }, { ...policy, maxSizeBytes: 1 });

    expect(report.evictedForSize).toBe(1);
    expect((await get(made, evicted)).status).toBe(404);
    const hit = await get(made, reusing);
    expect(hit.status).toBe(200);
    expect(hit.body.equals(data)).toBe(true);
  });

  it("asks for the body of a link to an old orphaned output after the scan, rather than link to what gc deletes", async () => {
    const { app: made, blobs, index } = app();
    const data = Buffer.alloc(5000, 6);
    const key = storeOutput(blobs, data, Date.now() - 2 * HOUR);
    const action = randomHex();
    whenScanned(index, async () => expect(await link(made, action, data)).toBe(409));

    const report = await runGc({ blobs, index, logger }, policy);

    expect(report.orphanOutputs).toBe(1);
    expect(blobs.objects.has(key)).toBe(false);
    expect(await index.get("default", action)).toBeNull();
    // The client's upload that follows the 409 stores it afresh.
    expect(await put(made, action, data)).toBe(201);
    expect((await get(made, action)).status).toBe(200);
  });

  it("does not evict more in the next pass for outputs freed before that are still waiting to settle", async () => {
    const { app: made, blobs, index } = app();
    const actions = Array.from({ length: 10 }, () => randomHex());
    for (const [i, action] of actions.entries()) expect(await put(made, action, Buffer.alloc(1000, i))).toBe(201);

    const budget = { ...policy, maxSizeBytes: 5000 };
    const first = await runGc({ blobs, index, logger }, budget);
    const second = await runGc({ blobs, index, logger }, budget);

    // The first pass evicts down to the budget; the outputs it freed are young, so they stay, and the
    // second pass, with the entries left within budget, evicts nothing.
    expect([first.evictedForSize, second.evictedForSize]).toEqual([5, 0]);
    const left = await Promise.all(actions.map(async (action) => (await get(made, action)).status));
    expect(left.filter((status) => status === 200)).toHaveLength(5);
    expect(second.bytesAfter).toBe(5000);
  });
});
