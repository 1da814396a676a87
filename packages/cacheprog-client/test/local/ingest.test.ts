import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { IntegrityError } from "../../src/tier.ts";
import { idOf, listFiles, sha256 } from "../helpers.ts";

let dir: string;
let tier: DiskTier;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-ingest-"));
  tier = new DiskTier({ dir });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const body = Buffer.from("!<arch>\nan output arriving in pieces");
const putTime = new Date("2026-01-02T03:04:05.678Z");

describe("DiskTier.ingest", () => {
  it("commits an output written in chunks once it is complete and verified, with the given put time", async () => {
    const sink = tier.ingest(idOf("a"), sha256(body), body.length, putTime);
    sink.write(body.subarray(0, 5));
    // Nothing is visible before the finish: a concurrent get is a miss, not a partial file.
    expect((await tier.get(idOf("a"))).hit).toBe(false);
    sink.write(body.subarray(5));
    expect(sink.written).toBe(body.length);
    expect(sink.head).toEqual(body.subarray(0, 8));
    const hit = sink.finish();
    expect(hit).toMatchObject({ hit: true, size: body.length, putTime, outputId: sha256(body) });
    expect(await readFile(hit.diskPath)).toEqual(body);
    expect(await tier.get(idOf("a"))).toEqual({ ...hit, source: "local" });
    expect((await listFiles(dir)).some((p) => p.includes(".tmp-"))).toBe(false);
  });

  it("refuses a chunk past the declared size at once and leaves no file", async () => {
    const sink = tier.ingest(idOf("a"), sha256(body), body.length - 1, putTime);
    expect(() => sink.write(body)).toThrow(IntegrityError);
    expect(() => sink.finish()).toThrow(IntegrityError);
    expect(await listFiles(dir)).toEqual([]);
  });

  it("refuses a body that ends short of its size, or does not hash to its OutputID, and leaves no file", async () => {
    const short = tier.ingest(idOf("a"), sha256(body), body.length, putTime);
    short.write(body.subarray(0, 10));
    expect(() => short.finish()).toThrow(/ended after 10 of/);
    const corrupt = tier.ingest(idOf("b"), sha256(Buffer.from("other")), body.length, putTime);
    corrupt.write(body);
    expect(() => corrupt.finish()).toThrow(/hashes to/);
    expect(await listFiles(dir)).toEqual([]);
    expect((await tier.get(idOf("a"))).hit).toBe(false);
    expect((await tier.get(idOf("b"))).hit).toBe(false);
  });

  it("discards on abort, twice is harmless, and an abort after finish keeps the entry", async () => {
    const aborted = tier.ingest(idOf("a"), sha256(body), body.length, putTime);
    aborted.write(body.subarray(0, 3));
    aborted.abort();
    aborted.abort();
    expect(await listFiles(dir)).toEqual([]);
    const kept = tier.ingest(idOf("b"), sha256(body), body.length, putTime);
    kept.write(body);
    kept.finish();
    kept.abort();
    expect((await tier.get(idOf("b"))).hit).toBe(true);
  });

  it("lets two writers of the same output race: each commits whole bytes, neither sees the other's temp file", async () => {
    const first = tier.ingest(idOf("a"), sha256(body), body.length, putTime);
    const second = tier.ingest(idOf("b"), sha256(body), body.length, putTime);
    first.write(body.subarray(0, 7));
    second.write(body);
    first.write(body.subarray(7));
    expect(second.finish().diskPath).toBe(first.finish().diskPath);
    expect(await readFile(tier.outputPath(sha256(body).toString("hex")))).toEqual(body);
    expect((await listFiles(dir)).filter((p) => p.includes(".tmp-"))).toEqual([]);
  });

  it("takes an empty output (go's compiler output of a quiet package)", async () => {
    const empty = Buffer.alloc(0);
    const sink = tier.ingest(idOf("e"), sha256(empty), 0, putTime);
    expect(sink.finish()).toMatchObject({ size: 0 });
    expect(await tier.get(idOf("e"))).toMatchObject({ hit: true, size: 0 });
  });
});
