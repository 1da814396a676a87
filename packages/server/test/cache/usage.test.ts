import { sha256Hex } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { outputKey } from "../../src/storage/keys.ts";
import { LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";

const logger = createLogger("silent", new LogCapture());
const HOUR = 3600e3;

function put(app: ReturnType<typeof makeTestApp>["app"], action: string, data: Buffer) {
  return app.request(`/v1/actions/${action}`, {
    method: "PUT",
    body: data,
    headers: { "x-gocacheprog-output-id": sha256Hex(data), "content-length": String(data.length) },
  });
}

describe("usage accounting (cache/usage.ts)", () => {
  it("counts entries and stored bytes as outputs are put: inline in the record, blobs once, links and duplicates add no bytes", async () => {
    const { app, core } = makeTestApp({ core: { inlineMax: 1000 } });
    const small = Buffer.alloc(600, 1);
    const big = Buffer.alloc(5000, 2);
    expect((await put(app, randomHex(), small)).status).toBe(201);
    expect((await put(app, randomHex(), big)).status).toBe(201);
    expect(await core.usage.of("default")).toEqual({ entries: 2, bytes: 5600 });
    // The same output under another action: a new entry, no new bytes (deduplicated).
    expect((await put(app, randomHex(), big)).status).toBe(201);
    const link = await app.request(`/v1/actions/${randomHex()}`, {
      method: "PUT",
      headers: { "x-gocacheprog-output-id": sha256Hex(big), "content-length": "0", "x-gocacheprog-output-size": "5000" },
    });
    expect(link.status).toBe(201);
    // (core.usage caches its snapshot for a second; the counters themselves are current.)
    expect((await core.index.usage()).get("default")).toEqual({ entries: 4, bytes: 5600 });
  });

  it("takes back the bytes of a blob found corrupt and removed", async () => {
    const { app, core, blobs } = makeTestApp({ core: { inlineMax: 0 } });
    const data = Buffer.alloc(3000, 5);
    const action = randomHex();
    await put(app, action, data);
    const stored = blobs.objects.get(outputKey("default", sha256Hex(data)))!.data;
    stored[10] = stored[10]! ^ 1;
    expect((await app.request(`/v1/actions/${action}`)).status).toBe(404);
    await expect.poll(async () => (await core.index.usage()).get("default") ?? "nothing").toBe("nothing");
  });

  it("keeps namespaces apart", async () => {
    const tokens = "aaaaaaaaaaaaaaaaaaaa read-write team-a\nbbbbbbbbbbbbbbbbbbbb read-write team-b";
    const { app, core } = makeTestApp({ tokens, core: { inlineMax: 0 } });
    const data = Buffer.alloc(2000, 9);
    for (const token of ["aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb"]) {
      const res = await app.request(`/v1/actions/${randomHex()}`, {
        method: "PUT",
        body: data,
        headers: { authorization: `Bearer ${token}`, "x-gocacheprog-output-id": sha256Hex(data), "content-length": "2000" },
      });
      expect(res.status).toBe(201);
    }
    const snapshot = await core.usage.snapshot();
    expect([snapshot.namespaces.get("team-a"), snapshot.namespaces.get("team-b")]).toEqual([
      { entries: 1, bytes: 2000 },
      { entries: 1, bytes: 2000 },
    ]);
  });

  it("a gc pass corrects drifted counters to what storage holds, then follows its own deletions", async () => {
    const { app, blobs, index } = makeTestApp({ core: { inlineMax: 100 } });
    const [keep, evict] = [Buffer.alloc(4000, 1), Buffer.alloc(6000, 2)];
    const [keepAction, evictAction] = [randomHex(), randomHex()];
    await put(app, keepAction, keep);
    await put(app, evictAction, evict);
    await put(app, randomHex(), Buffer.from("tiny inline"));
    // An orphan past the grace period, and drift (a crash between a write and its counter update).
    blobs.objects.set(outputKey("default", randomHex()), { data: Buffer.alloc(777), lastModified: new Date(Date.now() - 2 * HOUR) });
    index.counters.set("default", { entries: 40, bytes: 1 });
    index.counters.set("gone", { entries: 3, bytes: 3 });

    const now = Date.now() + HOUR;
    await index.touch("default", keepAction, now);
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 0, maxSizeBytes: 5000, graceMs: HOUR }, now);
    expect([report.evictedForSize, report.orphanOutputs]).toEqual([1, 2]);
    const usage = await index.usage();
    expect(usage.get("default")).toEqual({ entries: 2, bytes: 4000 + 11 });
    expect(usage.has("gone")).toBe(false);
  });

  it("reuses one snapshot for a second and sees its own writes in it", async () => {
    let clock = 1_000_000;
    const { app, core, index } = makeTestApp({ core: { inlineMax: 0 }, now: () => clock });
    await core.usage.snapshot();
    await put(app, randomHex(), Buffer.alloc(1500, 3));
    // The blob bytes went into the cached snapshot at once; the entry arrives with the next read.
    expect(await core.usage.of("default")).toEqual({ entries: 0, bytes: 1500 });
    index.counters.set("default", { entries: 99, bytes: 99 });
    clock += 1001;
    expect(await core.usage.of("default")).toEqual({ entries: 99, bytes: 99 });
  });
});
