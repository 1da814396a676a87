import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ActionRecord, Index, NamespaceUsage } from "../../../src/storage/index/types.ts";
import { collect, freshNamespace, randomHexId } from "../../support/contract-helpers.ts";

/** The same shape as IndexFixture in index.contract.ts, which runs this suite. */
interface Fixture {
  open(): Promise<Index>;
  reopen(index: Index): Promise<Index>;
}

function record(inline?: number): ActionRecord {
  const size = inline ?? 50_000;
  const base = { outputId: randomBytes(32), size, putTimeMs: 1_700_000_000_000, lastAccessMs: 1_700_000_000_000 };
  return inline === undefined ? base : { ...base, inline: randomBytes(inline) };
}

async function usageOf(index: Index, ns: string): Promise<NamespaceUsage> {
  return (await index.usage()).get(ns) ?? { entries: 0, bytes: 0 };
}

/**
 * Per-namespace usage counters and per-namespace scans (cache/usage.ts and the budgets build on
 * them); part of the Index contract, so every implementation and the fake run it.
 */
export function runUsageContract(name: string, fixture: Fixture): void {
  describe(`Index usage contract: ${name}`, () => {
    let index: Index;
    beforeAll(async () => {
      index = await fixture.open();
    });
    afterAll(async () => {
      await index?.close();
    });

    it("counts entries and the bytes records hold themselves as they are set, overwritten and deleted", async () => {
      const ns = freshNamespace();
      const [a, b, c] = [randomHexId(), randomHexId(), randomHexId()];
      await index.set(ns, a, record(100));
      await index.set(ns, b, record());
      expect(await usageOf(index, ns)).toEqual({ entries: 2, bytes: 100 });
      // An overwrite is not a new entry; its bytes replace the old ones.
      await index.set(ns, a, record(30));
      await index.set(ns, b, record(7));
      expect(await usageOf(index, ns)).toEqual({ entries: 2, bytes: 37 });
      await index.touch(ns, a, Date.now());
      expect(await usageOf(index, ns)).toEqual({ entries: 2, bytes: 37 });
      await index.delete(ns, a);
      await index.delete(ns, a);
      await index.delete(ns, c);
      expect(await usageOf(index, ns)).toEqual({ entries: 1, bytes: 7 });
      await index.delete(ns, b);
      expect(await usageOf(index, ns)).toEqual({ entries: 0, bytes: 0 });
    });

    it("sets a record only where there is none (setIfAbsent), counting it once", async () => {
      const ns = freshNamespace();
      const action = randomHexId();
      const first = record(40);
      expect(await index.setIfAbsent(ns, action, first)).toBe(true);
      expect(await usageOf(index, ns)).toEqual({ entries: 1, bytes: 40 });
      expect(await index.setIfAbsent(ns, action, record(90))).toBe(false);
      expect((await index.get(ns, action))?.outputId).toEqual(first.outputId);
      expect(await usageOf(index, ns)).toEqual({ entries: 1, bytes: 40 });
      await index.delete(ns, action);
      expect(await index.setIfAbsent(ns, action, record())).toBe(true);
      expect(await usageOf(index, ns)).toEqual({ entries: 1, bytes: 0 });
    });

    it("adds blob bytes and corrections, keeps namespaces apart, and survives a restart", async () => {
      const [a, b] = [freshNamespace(), freshNamespace()];
      await index.set(a, randomHexId(), record(10));
      await index.addUsage(a, { entries: 0, bytes: 5_000_000 });
      await index.addUsage(b, { entries: 3, bytes: 1 });
      await index.addUsage(b, { entries: -1, bytes: -1 });
      await index.addUsage(b, { entries: 0, bytes: 0 });
      index = await fixture.reopen(index);
      const usage = await index.usage();
      expect(usage.get(a)).toEqual({ entries: 1, bytes: 5_000_010 });
      expect(usage.get(b)).toEqual({ entries: 2, bytes: 0 });
      await expect(index.addUsage("../x", { entries: 1, bytes: 1 })).rejects.toBeInstanceOf(RangeError);
    });

    it("scans one namespace alone when asked", async () => {
      const [a, b] = [freshNamespace(), freshNamespace()];
      const inA = [randomHexId(), randomHexId(), randomHexId()];
      for (const action of inA) await index.set(a, action, record(1));
      await index.set(b, randomHexId(), record(1));
      const scanned = await collect(index.scan(a));
      expect(scanned.map((entry) => entry.actionHex).sort()).toEqual([...inA].sort());
      expect(scanned.every((entry) => entry.namespace === a)).toBe(true);
      await expect(collect(index.scan("UPPER"))).rejects.toBeInstanceOf(RangeError);
    });
  });
}
