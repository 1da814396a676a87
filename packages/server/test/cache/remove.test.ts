import { routes, sha256Hex } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { rebuildIndex } from "../../src/cache/records.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { BackendUnavailableError } from "../../src/storage/errors.ts";
import { actionRecordKey, embeddedIndexKey, outputKey } from "../../src/storage/keys.ts";
import { type FakeBlobStore, type FakeIndex, LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";
import { put } from "./gc-support.ts";

// CacheCore.remove (cache/remove.ts), what the module proxy's purge stands on; the test app keeps
// outputs up to 1 KiB inside their records.
const logger = createLogger("silent", new LogCapture());
const GC = { maxAgeMs: 0, maxSizeBytes: 0, graceMs: 0 };

async function usage(index: FakeIndex) {
  return (await index.usage()).get("default") ?? { entries: 0, bytes: 0 };
}

/** Holds the next read of the action's record copy, once it has its bytes, until `release`. */
function holdCopyRead(blobs: FakeBlobStore, action: string) {
  const read = blobs.getBytes.bind(blobs);
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held!: () => void;
  const reached = new Promise<void>((resolve) => {
    held = resolve;
  });
  blobs.getBytes = async (key: string) => {
    const bytes = await read(key);
    if (key !== actionRecordKey("default", action)) return bytes;
    blobs.getBytes = read;
    held();
    await released;
    return bytes;
  };
  return { reached, release };
}

describe("CacheCore.remove", () => {
  it("removes an entry with its record copy; the counters follow, and gc finds nothing to put back or correct", async () => {
    const { app, core, blobs, index } = makeTestApp();
    const [small, large] = [Buffer.alloc(100, 1), Buffer.alloc(5000, 2)];
    const [a, b] = [randomHex(), randomHex()];
    expect([await put(app, a, small), await put(app, b, large)]).toEqual([201, 201]);
    expect(await usage(index)).toEqual({ entries: 2, bytes: 5100 });

    expect(await core.remove("default", a, { output: false })).toBe(true);
    expect(await usage(index)).toEqual({ entries: 1, bytes: 5000 });
    expect(blobs.objects.has(actionRecordKey("default", a))).toBe(false);
    expect((await app.request(routes.action(a))).status).toBe(404);

    expect(await core.remove("default", b, { output: true })).toBe(true);
    expect(blobs.objects.has(outputKey("default", sha256Hex(large)))).toBe(false);
    expect(await usage(index)).toEqual({ entries: 0, bytes: 0 });
    expect(await core.remove("default", a, { output: false })).toBe(false);

    const report = await runGc({ blobs, index, logger }, GC, Date.now() + 60_000);
    expect([report.reindexed, report.orphanOutputs]).toEqual([0, 0]);
    expect(await usage(index)).toEqual({ entries: 0, bytes: 0 });
  });

  it("leaves a blob another entry shares (output: false) to gc, which deletes it once nothing refers to it", async () => {
    const { app, core, blobs, index } = makeTestApp();
    const data = Buffer.alloc(5000, 3);
    const [a, b] = [randomHex(), randomHex()];
    for (const action of [a, b]) expect(await put(app, action, data)).toBe(201);
    expect(await usage(index)).toEqual({ entries: 2, bytes: 5000 });

    await core.remove("default", a, { output: false });
    expect((await app.request(routes.action(b))).status).toBe(200);
    await core.remove("default", b, { output: false });
    // Still stored, so still counted: gc takes it off when it deletes it.
    expect(await usage(index)).toEqual({ entries: 0, bytes: 5000 });
    const report = await runGc({ blobs, index, logger }, GC, Date.now() + 60_000);
    expect(report.orphanOutputs).toBe(1);
    expect(blobs.objects.has(outputKey("default", sha256Hex(data)))).toBe(false);
    expect(await usage(index)).toEqual({ entries: 0, bytes: 0 });
  });

  it("removes an entry the index lost (its record copy alone), so neither a lookup nor gc brings it back", async () => {
    const { app, core, blobs, index } = makeTestApp();
    const action = randomHex();
    await put(app, action, Buffer.alloc(100, 4));
    index.records.delete(embeddedIndexKey("default", action));

    expect(await core.remove("default", action, { output: false })).toBe(true);
    expect((await app.request(routes.action(action))).status).toBe(404);
    const report = await runGc({ blobs, index, logger }, GC, Date.now() + 60_000);
    expect(report.reindexed).toBe(0);
    expect(index.records.size).toBe(0);
  });

  // A restore from a record copy that was read before a removal and writes the index after it must
  // not bring the entry back (records.ts, restoreRecord): the copy is checked after the write.
  describe("racing a restore from the record copy", () => {
    it("a lookup of an incomplete index: the removed entry stays removed and the racing lookup is a miss", async () => {
      const { app, core, blobs, index } = makeTestApp();
      const action = randomHex();
      await put(app, action, Buffer.alloc(100, 6));
      // The index loses the entry (its counters follow, as a rebuild would recount them); the copy stays.
      await index.delete("default", action);
      // The restore's write and its take-back cancel out.
      const counted = await usage(index);
      expect(counted).toEqual({ entries: 0, bytes: 0 });
      const hold = holdCopyRead(blobs, action);

      const lookup = app.request(routes.action(action));
      await hold.reached;
      expect(await core.remove("default", action, { output: false })).toBe(true);
      hold.release();
      expect((await lookup).status).toBe(404);
      expect(index.records.has(embeddedIndexKey("default", action))).toBe(false);
      expect((await app.request(routes.action(action))).status).toBe(404);
      expect(await usage(index)).toEqual(counted);
    });

    it("rebuild-index: the removed entry is not restored", async () => {
      const { app, core, blobs, index } = makeTestApp();
      const [kept, removed] = [randomHex(), randomHex()];
      for (const action of [kept, removed]) await put(app, action, Buffer.alloc(100, 7));
      index.records.clear();
      const hold = holdCopyRead(blobs, removed);

      const rebuild = rebuildIndex(blobs, index);
      await hold.reached;
      await core.remove("default", removed, { output: false });
      hold.release();
      expect((await rebuild).restored).toBe(1);
      expect([...index.records.keys()]).toEqual([embeddedIndexKey("default", kept)]);
      expect((await app.request(routes.action(removed))).status).toBe(404);
    });
  });

  it("rejects while the index is down and removes nothing", async () => {
    const { app, core, blobs, index } = makeTestApp();
    const action = randomHex();
    await put(app, action, Buffer.alloc(100, 5));
    index.mode = "down";
    await expect(core.remove("default", action, { output: true })).rejects.toBeInstanceOf(BackendUnavailableError);
    index.mode = "up";
    expect(blobs.objects.has(actionRecordKey("default", action))).toBe(true);
    expect((await app.request(routes.action(action))).status).toBe(200);
  });
});

// A restore from a record copy (a lookup's lazy fill, rebuild-index) that read the copy before a put
// of the same action wrote its record must leave the put's record: it is the newer one.
describe("a restore from the record copy racing a put of the same action", () => {
  const [older, newer] = [Buffer.alloc(100, 1), Buffer.alloc(120, 2)];
  const outputOf = (index: FakeIndex, action: string) => index.records.get(embeddedIndexKey("default", action))?.outputId.toString("hex");

  it("a lookup's lazy fill: the put's record stays, and is the lookup's answer", async () => {
    const { app, blobs, index } = makeTestApp();
    const action = randomHex();
    await put(app, action, older);
    await index.delete("default", action);
    const hold = holdCopyRead(blobs, action);

    const lookup = app.request(routes.action(action));
    await hold.reached;
    expect(await put(app, action, newer)).toBe(201);
    hold.release();
    const answer = await lookup;
    expect(answer.status).toBe(200);
    expect(Buffer.from(await answer.arrayBuffer())).toEqual(newer);
    expect(outputOf(index, action)).toBe(sha256Hex(newer));
    expect(await usage(index)).toEqual({ entries: 1, bytes: newer.length });
  });

  it("rebuild-index: the put's record stays", async () => {
    const { app, blobs, index } = makeTestApp();
    const action = randomHex();
    await put(app, action, older);
    index.records.clear();
    const hold = holdCopyRead(blobs, action);

    const rebuild = rebuildIndex(blobs, index);
    await hold.reached;
    expect(await put(app, action, newer)).toBe(201);
    hold.release();
    expect(await rebuild).toMatchObject({ restored: 0, present: 1 });
    expect(outputOf(index, action)).toBe(sha256Hex(newer));
  });
});
