import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskTier, MARK_USED_AFTER_MS } from "../../src/local/tier.ts";
import { IntegrityError } from "../../src/tier.ts";
import { idOf, listFiles, sha256 } from "../helpers.ts";

let dir: string;
let clock: number;
let tier: DiskTier;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-disk-"));
  clock = Date.parse("2025-06-01T12:00:00Z");
  tier = new DiskTier({ dir, now: () => clock });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const body = Buffer.from("archive contents");

describe("DiskTier", () => {
  it("lays files out as <dir>/<2 hex>/<hex>-d and -a and reports the put time on a hit", async () => {
    const { diskPath } = await tier.put(idOf("a"), sha256(body), body);
    expect(diskPath).toBe(join(dir, sha256(body).toString("hex").slice(0, 2), `${sha256(body).toString("hex")}-d`));
    expect(await tier.get(idOf("a"))).toEqual({
      hit: true,
      outputId: sha256(body),
      size: body.length,
      diskPath,
      putTime: new Date(clock),
      source: "local",
    });
    expect(await listFiles(dir)).toContain(join(dir, idOf("a").toString("hex").slice(0, 2), `${idOf("a").toString("hex")}-a`));
  });

  it("keeps an existing output file of the right size in place (go may have it mmapped)", async () => {
    const { diskPath } = await tier.put(idOf("a"), sha256(body), body);
    const before = await stat(diskPath);
    await tier.put(idOf("b"), sha256(body), body);
    expect((await stat(diskPath)).ino).toBe(before.ino);
  });

  it("replaces a wrong-size output file with a new one instead of rewriting it", async () => {
    const { diskPath } = await tier.put(idOf("a"), sha256(body), body);
    await writeFile(diskPath, "torn");
    const torn = await stat(diskPath);
    await tier.put(idOf("a"), sha256(body), body);
    expect((await stat(diskPath)).ino).not.toBe(torn.ino);
    expect(await readFile(diskPath)).toEqual(body);
  });

  it("replaces an output file of the right size but other bytes (zeroed by a crash) on the next put", async () => {
    const { diskPath } = await tier.put(idOf("a"), sha256(body), body);
    await writeFile(diskPath, Buffer.alloc(body.length));
    await tier.put(idOf("b"), sha256(body), body);
    expect(await readFile(diskPath)).toEqual(body);
  });

  it("records the time of the latest put of an action, or the time it is given", async () => {
    await tier.put(idOf("a"), sha256(body), body);
    clock += 5000;
    await tier.put(idOf("a"), sha256(body), body);
    expect(await tier.get(idOf("a"))).toMatchObject({ putTime: new Date(clock) });
    const remoteTime = new Date("2024-01-01T00:00:00.123Z");
    await tier.put(idOf("r"), sha256(body), body, { putTime: remoteTime });
    expect(await tier.get(idOf("r"))).toMatchObject({ putTime: remoteTime });
  });

  it("refuses a body that does not match its OutputID and writes nothing", async () => {
    await expect(tier.put(idOf("a"), sha256(Buffer.from("else")), body)).rejects.toBeInstanceOf(IntegrityError);
    expect(await listFiles(dir)).toEqual([]);
  });

  it("misses on an unknown action, a damaged record, or a missing output", async () => {
    expect(await tier.get(idOf("none"))).toEqual({ hit: false });
    await tier.put(idOf("a"), sha256(body), body);
    await writeFile(tier.actionPath(idOf("a").toString("hex")), "v1 garbage\n");
    expect(await tier.get(idOf("a"))).toEqual({ hit: false });
    const { diskPath } = await tier.put(idOf("b"), sha256(body), body);
    await rm(diskPath);
    expect(await tier.get(idOf("b"))).toEqual({ hit: false });
  });

  it("misses on a record whose put time go cannot read back (past the year 9999), and hits up to it", async () => {
    const { diskPath } = await tier.put(idOf("a"), sha256(body), body);
    const outputHex = sha256(body).toString("hex");
    const record = tier.actionPath(idOf("a").toString("hex"));
    // 253402300800000 is +010000-01-01: go's RFC 3339 decoder fails the whole build on it; 9e15 is
    // past what a Date holds at all (toISOString would throw answering go).
    for (const putTimeMs of ["253402300800000", "9000000000000000", "99999999999999999999"]) {
      await writeFile(record, `v1 ${outputHex} ${body.length} ${putTimeMs}\n`);
      expect(await tier.get(idOf("a")), putTimeMs).toEqual({ hit: false });
    }
    const lastMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    await writeFile(record, `v1 ${outputHex} ${body.length} ${lastMs}\n`);
    expect(await tier.get(idOf("a"))).toMatchObject({ hit: true, diskPath, putTime: new Date(lastMs) });
  });

  it("refreshes mtime on a hit only when it is older than the mark-used threshold", async () => {
    const { diskPath } = await tier.put(idOf("a"), sha256(body), body);
    const actionPath = tier.actionPath(idOf("a").toString("hex"));
    const setAge = async (ms: number) => {
      for (const p of [diskPath, actionPath]) await utimes(p, (clock - ms) / 1000, (clock - ms) / 1000);
    };
    await setAge(MARK_USED_AFTER_MS / 2);
    await tier.get(idOf("a"));
    expect((await stat(diskPath)).mtimeMs).toBeCloseTo(clock - MARK_USED_AFTER_MS / 2, -2);

    await setAge(MARK_USED_AFTER_MS * 2);
    await tier.get(idOf("a"));
    expect((await stat(diskPath)).mtimeMs).toBeCloseTo(clock, -2);
    expect((await stat(actionPath)).mtimeMs).toBeCloseTo(clock, -2);
  });

  it("at the close of a directory's first session starts the trim interval without trimming; a later due close trims", async () => {
    const policy = { maxAgeMs: 2 * 86400e3, maxSizeBytes: 0, intervalMs: 3600e3 };
    const trimming = new DiskTier({ dir, now: () => clock, trim: policy });
    const { diskPath } = await trimming.put(idOf("a"), sha256(body), body);
    const tenDaysAgo = (clock - 10 * 86400e3) / 1000;
    await utimes(diskPath, tenDaysAgo, tenDaysAgo);
    await trimming.close();
    expect((await stat(join(dir, "trim.txt"))).mtimeMs).toBe(clock);
    expect((await stat(diskPath)).size).toBe(body.length);
    clock += 2 * 3600e3;
    await new DiskTier({ dir, now: () => clock, trim: policy }).close();
    await expect(stat(diskPath)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await stat(join(dir, "trim.txt"))).mtimeMs).toBe(clock);
  });
});
