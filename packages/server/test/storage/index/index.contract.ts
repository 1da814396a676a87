import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionRecord, Index } from "../../../src/storage/index/types.ts";
import { GOMOD_NAMESPACE } from "../../../src/storage/keys.ts";
import { collect, freshNamespace, randomHexId } from "../../support/contract-helpers.ts";
import { runUsageContract } from "./usage.contract.ts";

export interface IndexFixture {
  open(): Promise<Index>;
  /** Closes `index` and opens the same storage again, as a server restart would. */
  reopen(index: Index): Promise<Index>;
}

export function sampleRecord(overrides: Partial<ActionRecord> = {}): ActionRecord {
  return { outputId: randomBytes(32), size: 123_456, putTimeMs: 1_700_000_000_000, lastAccessMs: 1_700_000_000_000, ...overrides };
}

/** The behaviour every Index must have; run against each implementation by index.test.ts and against the fake by support/fakes.test.ts. */
export function runIndexContract(name: string, fixture: IndexFixture): void {
  describe(`Index contract: ${name}`, () => {
    let index: Index;
    beforeAll(async () => {
      index = await fixture.open();
    });
    afterAll(async () => {
      await index?.close();
    });

    // First in the suite: it needs the storage as the fixture opened it, never marked.
    it("is not complete until marked, and the mark survives a restart without showing up as a record", async () => {
      expect(await index.isComplete()).toBe(false);
      await index.markComplete();
      expect(await index.isComplete()).toBe(true);
      expect(await collect(index.scan())).toEqual([]);
      index = await fixture.reopen(index);
      expect(await index.isComplete()).toBe(true);
    });

    it("holds a lease for one holder at a time: renewable by it, free once released or lapsed", async () => {
      await leaseContract(index, index);
    });

    it("answers null for an unknown action", async () => {
      expect(await index.get(freshNamespace(), randomHexId())).toBeNull();
    });

    it("round-trips records exactly, inline bytes and codec included (compressed and raw side by side)", async () => {
      const ns = freshNamespace();
      const records = [
        sampleRecord(),
        sampleRecord({ size: 5, inline: Buffer.from([0, 1, 2, 255, 128]) }),
        sampleRecord({ size: 0, inline: Buffer.alloc(0) }),
        sampleRecord({ size: 16_384, inline: randomBytes(16_384), putTimeMs: 0, lastAccessMs: 0 }),
        sampleRecord({ size: Number.MAX_SAFE_INTEGER, putTimeMs: Date.now(), lastAccessMs: Date.now() + 1 }),
        sampleRecord({ size: 40_000, inline: randomBytes(900), codec: "zstd" }),
        sampleRecord({ size: 9_000_000, codec: "zstd" }),
      ];
      for (const record of records) {
        const action = randomHexId();
        await index.set(ns, action, record);
        const read = await index.get(ns, action);
        expect(read).toEqual(record);
        expect(Buffer.isBuffer(read?.outputId)).toBe(true);
        if (record.inline) expect(read?.inline?.equals(record.inline)).toBe(true);
        else expect(read?.inline).toBeUndefined();
      }
    });

    it("overwrites a record on a second set", async () => {
      const ns = freshNamespace();
      const action = randomHexId();
      await index.set(ns, action, sampleRecord({ size: 1, inline: Buffer.from("a") }));
      const second = sampleRecord({ size: 2 });
      await index.set(ns, action, second);
      expect(await index.get(ns, action)).toEqual(second);
    });

    it("keeps namespaces apart", async () => {
      const [a, b] = [freshNamespace(), freshNamespace()];
      const action = randomHexId();
      const record = sampleRecord();
      await index.set(a, action, record);
      expect(await index.get(b, action)).toBeNull();
      expect(await index.get(a, action)).toEqual(record);
    });

    it("getMany answers in request order with null for misses", async () => {
      const ns = freshNamespace();
      const [x, y, missing] = [randomHexId(), randomHexId(), randomHexId()];
      const [rx, ry] = [sampleRecord({ size: 1 }), sampleRecord({ size: 2, inline: Buffer.from("yy") })];
      await index.set(ns, x, rx);
      await index.set(ns, y, ry);
      expect(await index.getMany(ns, [y, missing, x, y])).toEqual([ry, null, rx, ry]);
      expect(await index.getMany(ns, [])).toEqual([]);
    });

    it("touch moves last access forward only and never creates a record", async () => {
      const ns = freshNamespace();
      const action = randomHexId();
      const record = sampleRecord({ lastAccessMs: 1000 });
      await index.set(ns, action, record);
      await index.touch(ns, action, 5000);
      expect(await index.get(ns, action)).toEqual({ ...record, lastAccessMs: 5000 });
      await index.touch(ns, action, 3000);
      expect((await index.get(ns, action))?.lastAccessMs).toBe(5000);
      expect((await index.getMany(ns, [action]))[0]?.lastAccessMs).toBe(5000);

      const absent = randomHexId();
      await index.touch(ns, absent, 5000);
      expect(await index.get(ns, absent)).toBeNull();
    });

    it("a set after a touch replaces last access with the new record's", async () => {
      const ns = freshNamespace();
      const action = randomHexId();
      await index.set(ns, action, sampleRecord({ lastAccessMs: 1000 }));
      await index.touch(ns, action, 9000);
      const fresh = sampleRecord({ lastAccessMs: 2000 });
      await index.set(ns, action, fresh);
      expect(await index.get(ns, action)).toEqual(fresh);
    });

    it("deletes, and deleting a missing action is not an error", async () => {
      const ns = freshNamespace();
      const action = randomHexId();
      await index.set(ns, action, sampleRecord());
      await index.delete(ns, action);
      expect(await index.get(ns, action)).toBeNull();
      await index.delete(ns, action);
      await index.touch(ns, action, Date.now());
      expect(await index.get(ns, action)).toBeNull();
    });

    it("deletes one record of the module proxy's namespace (a purge), leaving its neighbours and their counts", async () => {
      const [gone, kept] = [randomHexId(), randomHexId()];
      const count = async () => (await index.usage()).get(GOMOD_NAMESPACE) ?? { entries: 0, bytes: 0 };
      const before = await count();
      await index.set(GOMOD_NAMESPACE, gone, sampleRecord({ size: 10, inline: randomBytes(10) }));
      await index.set(GOMOD_NAMESPACE, kept, sampleRecord({ size: 20, inline: randomBytes(20) }));
      await index.delete(GOMOD_NAMESPACE, gone);
      expect(await index.get(GOMOD_NAMESPACE, gone)).toBeNull();
      expect((await index.get(GOMOD_NAMESPACE, kept))?.size).toBe(20);
      expect(await count()).toEqual({ entries: before.entries + 1, bytes: before.bytes + 20 });
      await index.delete(GOMOD_NAMESPACE, kept);
      expect(await count()).toEqual(before);
    });

    it("scan yields every record with its namespace and ActionID, over many pages", async () => {
      const [a, b] = [freshNamespace(), freshNamespace()];
      const expected = new Map<string, ActionRecord>();
      for (let i = 0; i < 1200; i++) {
        const ns = i % 3 === 0 ? b : a;
        const action = randomHexId();
        const record = sampleRecord({ size: i, inline: i % 2 === 0 ? randomBytes(i) : undefined, lastAccessMs: i });
        if (record.inline === undefined) delete record.inline;
        expected.set(`${ns}/${action}`, record);
      }
      await Promise.all([...expected].map(([id, record]) => index.set(id.split("/")[0]!, id.split("/")[1]!, record)));
      const touchedId = [...expected.keys()][7]!;
      await index.touch(touchedId.split("/")[0]!, touchedId.split("/")[1]!, 99_999);
      expected.set(touchedId, { ...expected.get(touchedId)!, lastAccessMs: 99_999 });

      const seen: string[] = [];
      for (const entry of await collect(index.scan())) {
        if (entry.namespace === a || entry.namespace === b) seen.push(comparable(`${entry.namespace}/${entry.actionHex}`, entry.record));
      }
      // Strings compare far faster than 1200 deep-equal records with Buffers.
      expect(seen.sort()).toEqual([...expected].map(([id, record]) => comparable(id, record)).sort());
    });

    it("refuses invalid namespaces and ActionIDs without storing anything", async () => {
      const record = sampleRecord();
      for (const [ns, action] of [
        ["../x", randomHexId()],
        ["UPPER", randomHexId()],
        ["", randomHexId()],
        [freshNamespace(), "abc"],
        [freshNamespace(), randomHexId().toUpperCase()],
        [freshNamespace(), `${randomHexId().slice(0, 62)}/x`],
      ] as const) {
        await expect(index.set(ns, action, record)).rejects.toBeInstanceOf(RangeError);
        await expect(index.get(ns, action)).rejects.toBeInstanceOf(RangeError);
      }
    });

    it("never serves a record it could not read back (bad OutputID, size, times or inline bytes): a miss, even over an older record", async () => {
      const ns = freshNamespace();
      // What record-codec.ts refuses to decode: the real indexes write these, then read them as misses.
      const unreadable = [
        sampleRecord({ outputId: randomBytes(31) }),
        sampleRecord({ size: -1 }),
        sampleRecord({ size: 1.5 }),
        sampleRecord({ size: 2 ** 53 }),
        sampleRecord({ putTimeMs: -1 }),
        sampleRecord({ lastAccessMs: Number.NaN }),
        sampleRecord({ size: 4, inline: Buffer.from("abc") }),
      ];
      const actions = unreadable.map(() => randomHexId());
      for (const [i, record] of unreadable.entries()) {
        await index.set(ns, actions[i]!, sampleRecord());
        await index.set(ns, actions[i]!, record);
        expect(await index.get(ns, actions[i]!), `record ${i}`).toBeNull();
      }
      expect(await index.getMany(ns, actions)).toEqual(actions.map(() => null));
      expect(await collect(index.scan(ns))).toEqual([]);
    });

    it("answers ping", async () => {
      await expect(index.ping()).resolves.toBeUndefined();
    });

    it("keeps a build key's manifests per namespace, apart from records, across a restart; null removes them", async () => {
      const [a, b] = [freshNamespace(), freshNamespace()];
      const key = randomHexId();
      expect(await index.getManifests(a, key)).toBeNull();
      const value = randomBytes(5000);
      await index.setManifests(a, key, value);
      expect((await index.getManifests(a, key))?.equals(value)).toBe(true);
      expect(await index.getManifests(b, key)).toBeNull();
      // Not a record: scan and the usage counters never see it.
      expect((await collect(index.scan(a))).length).toBe(0);
      expect((await index.usage()).get(a)).toBeUndefined();
      const newer = randomBytes(10);
      await index.setManifests(a, key, newer);
      index = await fixture.reopen(index);
      expect((await index.getManifests(a, key))?.equals(newer)).toBe(true);
      await index.setManifests(a, key, null);
      expect(await index.getManifests(a, key)).toBeNull();
      await index.setManifests(a, key, null);
      await expect(index.setManifests("../x", key, value)).rejects.toBeInstanceOf(RangeError);
      await expect(index.getManifests(a, "abc")).rejects.toBeInstanceOf(RangeError);
    });

    it("swaps a build key's manifests only while they are what the writer read", async () => {
      const ns = freshNamespace();
      const key = randomHexId();
      const [first, second, third] = [randomBytes(3000), randomBytes(40), randomBytes(40)];
      // Expecting some where there are none, then none: only the second takes.
      expect(await index.swapManifests(ns, key, second, first)).toBe(false);
      expect(await index.getManifests(ns, key)).toBeNull();
      expect(await index.swapManifests(ns, key, null, first)).toBe(true);
      // Two writers that both read `first`: the later one is refused and changes nothing.
      expect(await index.swapManifests(ns, key, first, second)).toBe(true);
      expect(await index.swapManifests(ns, key, first, third)).toBe(false);
      expect(await index.swapManifests(ns, key, null, third)).toBe(false);
      expect((await index.getManifests(ns, key))?.equals(second)).toBe(true);
      // A value that differs from what is held in its last byte only is not what is held.
      const almost = Buffer.from(second);
      almost[almost.length - 1] = almost.at(-1)! ^ 1;
      expect(await index.swapManifests(ns, key, almost, third)).toBe(false);
      expect(await index.swapManifests(ns, key, second, null)).toBe(true);
      expect(await index.getManifests(ns, key)).toBeNull();
    });

    it("keeps its records across a restart", async () => {
      const ns = freshNamespace();
      const action = randomHexId();
      const record = sampleRecord({ size: 3, inline: Buffer.from("abc") });
      await index.set(ns, action, record);
      await index.touch(ns, action, record.lastAccessMs + 10);
      index = await fixture.reopen(index);
      expect(await index.get(ns, action)).toEqual({ ...record, lastAccessMs: record.lastAccessMs + 10 });
    });
  });
  runUsageContract(name, fixture);
}

function comparable(id: string, record: ActionRecord): string {
  const { outputId, inline, ...numbers } = record;
  return JSON.stringify([id, outputId.toString("hex"), inline === undefined ? null : inline.toString("hex"), numbers]);
}

/**
 * The maintenance lease (cache/lease.ts) as seen by two openers of one store (`a` and `b` may be the
 * same object: holders are told apart by name): one holder at a time, renewable by it, free again once
 * released or lapsed, and never released by another holder.
 */
export async function leaseContract(a: Index, b: Index): Promise<void> {
  if (!a.lease || !a.releaseLease || !b.lease || !b.releaseLease) throw new Error("this index has no lease");
  const name = `test-${randomHexId().slice(0, 8)}`;
  expect(await a.lease(name, "a", 60_000)).toBe(true);
  expect(await b.lease(name, "b", 60_000)).toBe(false);
  expect(await a.lease(name, "a", 300)).toBe(true);
  await b.releaseLease(name, "b");
  expect(await b.lease(name, "b", 60_000)).toBe(false);
  // A holder that died: its lease lapses after its ttl.
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(await b.lease(name, "b", 60_000)).toBe(true);
  await b.releaseLease(name, "b");
  expect(await a.lease(name, "a", 60_000)).toBe(true);
  await a.releaseLease(name, "a");
}
