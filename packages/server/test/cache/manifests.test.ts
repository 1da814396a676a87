import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { decodeManifests } from "../../src/cache/manifests.ts";
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

  it("keep every session of a key that finish at once (no session overwrites another's)", async () => {
    const { core } = makeTestApp();
    const key = randomHex();
    const sessions = [0, 1, 2].map(() => [randomBytes(32), randomBytes(32)]);
    await Promise.all(sessions.map((ids) => core.manifests.add("default", key, ids)));
    const union = await core.manifests.union("default", key);
    expect(union.sort()).toEqual(
      sessions
        .flat()
        .map((id) => id.toString("hex"))
        .sort(),
    );
  });

  it("leave a blob copy equal to the index when two sessions' copies land in the other order", async () => {
    const { core, blobs, index } = makeTestApp();
    const key = randomHex();
    const [first, second] = [[randomBytes(32)], [randomBytes(32)]];
    // The first session's copy is held back until the second session has finished, copy included.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const put = blobs.put.bind(blobs);
    let puts = 0;
    blobs.put = async (...args) => {
      if (puts++ === 0) await held;
      return put(...args);
    };
    const adding = core.manifests.add("default", key, first);
    await vi.waitFor(() => expect(puts).toBe(1));
    await core.manifests.add("default", key, second);
    release();
    await adding;
    const copy = decodeManifests(blobs.objects.get(manifestKey("default", key))!.data);
    expect(copy.map((m) => Buffer.from(m.actionIds![0]!).toString("hex"))).toEqual([second[0]!.toString("hex"), first[0]!.toString("hex")]);
    // What a rebuild restores after the index is lost is what the index held.
    index.manifests.clear();
    expect((await core.manifests.union("default", key)).sort()).toEqual([...first, ...second].map((id) => id.toString("hex")).sort());
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
