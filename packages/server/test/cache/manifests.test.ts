import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { rebuildIndex } from "../../src/cache/records.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { manifestKey } from "../../src/storage/keys.ts";
import { LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";

const logger = createLogger("silent", new LogCapture());
const DAY = 86_400e3;

describe("build manifests in storage", () => {
  it("are restored by rebuild-index from their blob copies", async () => {
    const { core, blobs, index } = makeTestApp();
    const key = randomHex();
    await core.manifests.add("default", key, [randomBytes(32), randomBytes(32)]);
    index.manifests.clear();
    index.records.clear();
    expect(await rebuildIndex(blobs, index)).toMatchObject({ manifests: 1 });
    expect(await core.manifests.union("default", key)).toHaveLength(2);
    // Restricted to one namespace, rebuild lists that namespace's manifests too.
    index.manifests.clear();
    expect(await rebuildIndex(blobs, index, { namespaces: ["default"] })).toMatchObject({ manifests: 1 });
  });

  it("expire with gc when their key has not been built for longer than max-age", async () => {
    const { core, blobs, index } = makeTestApp();
    const [old, fresh] = [randomHex(), randomHex()];
    await core.manifests.add("default", old, [randomBytes(32)]);
    await core.manifests.add("default", fresh, [randomBytes(32)]);
    blobs.objects.get(manifestKey("default", old))!.lastModified = new Date(Date.now() - 20 * DAY);
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 14 * DAY, maxSizeBytes: 0, graceMs: 0 });
    expect(report.expiredManifests).toBe(1);
    expect(await core.manifests.union("default", old)).toEqual([]);
    expect(await core.manifests.union("default", fresh)).toHaveLength(1);
    expect(blobs.objects.has(manifestKey("default", old))).toBe(false);
  });

  it("stay clear of gc while prefetches use them, though sessions predicted exactly upload nothing", async () => {
    let now = Date.now();
    const { core, blobs, index } = makeTestApp({ now: () => now });
    const key = randomHex();
    await core.manifests.add("default", key, [randomBytes(32)]);
    const copy = () => blobs.objects.get(manifestKey("default", key))!;
    const ageBy = (ms: number) => {
      copy().lastModified = new Date(copy().lastModified.getTime() - ms);
    };
    ageBy(13 * DAY);
    expect(await core.manifests.forPrefetch("default", key)).toHaveLength(1);
    // The rewrite runs beside the stream, not before it.
    await vi.waitFor(() => expect(copy().lastModified.getTime()).toBeGreaterThan(Date.now() - DAY));
    // At most once a day per key: a second prefetch the same day writes nothing.
    ageBy(13 * DAY);
    await core.manifests.forPrefetch("default", key);
    // A rewrite would have landed by now (the in-memory store answers within a few turns).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(copy().lastModified.getTime()).toBeLessThan(Date.now() - 12 * DAY);
    now += DAY;
    await core.manifests.forPrefetch("default", key);
    await vi.waitFor(() => expect(copy().lastModified.getTime()).toBeGreaterThan(Date.now() - DAY));
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 14 * DAY, maxSizeBytes: 0, graceMs: 0 });
    expect(report.expiredManifests).toBe(0);
    expect(await core.manifests.union("default", key)).toHaveLength(1);
  });
});
