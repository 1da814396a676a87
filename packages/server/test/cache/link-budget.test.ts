import { sha256Hex } from "@gocacheprog/common";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CacheCore } from "../../src/cache/core.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { FakeBlobStore, FakeIndex, LogCapture, randomHex } from "../support/fakes.ts";

describe("a link-only put over a namespace's entry budget", () => {
  it("starts a gc pass early, as a put with a body does", async () => {
    let now = Date.now();
    let calls = 0;
    const core = new CacheCore({
      blobs: new FakeBlobStore(),
      index: new FakeIndex(),
      metrics: new ServerMetrics(new Registry()),
      logger: createLogger("silent", new LogCapture()),
      now: () => now,
      options: { inlineMax: 0, verifyBufferMax: 1 << 20, backendTimeoutMs: 1000, touchIntervalMs: 0 },
      budget: { maxSizeBytes: 0, namespaces: new Map([["team-a", { maxEntries: 1 }]]), overBudget: () => void calls++ },
    });
    const data = Buffer.alloc(5000, 1);
    const body = (async function* () {
      yield data;
    })();
    await core.put("team-a", randomHex(), sha256Hex(data), data.length, body);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toBe(0); // one entry: within budget
    now += 5000; // past the usage snapshot's cache
    // Link-only puts of the same output under new actions: 2, 3 entries for a budget of 1.
    expect(await core.link("team-a", randomHex(), sha256Hex(data), data.length)).toBe(true);
    expect(await core.link("team-a", randomHex(), sha256Hex(data), data.length)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await core.index.usage()).get("team-a")?.entries).toBe(3);
    expect(calls).toBeGreaterThan(0);
  });
});
