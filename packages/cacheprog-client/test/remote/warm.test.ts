import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame, type IPrefetchFrame, ManifestUpload, PrefetchRequest } from "@gocacheprog/common/proto";
import { beforeEach, describe, expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import { subkey } from "../../src/remote/follow-ups.ts";
import type { RemoteClient } from "../../src/remote/http.ts";
import { WarmStart, type WarmStartOptions } from "../../src/remote/warm.ts";
import { idOf, sha256 } from "../helpers.ts";

/** Plays a scripted prefetch stream (byte chunks, a gate to hold it) and records manifest uploads. */
class StreamStub {
  chunks: Uint8Array[] = [];
  gate: Promise<void> = Promise.resolve();
  failAtEnd: Error | undefined;
  requests: ReturnType<typeof PrefetchRequest.decode>[] = [];
  manifests: ReturnType<typeof ManifestUpload.decode>[] = [];
  manifestOutcome: "stored" | "forbidden" = "stored";

  async prefetch(body: Uint8Array, onChunk: (chunk: Buffer) => Promise<void>, signal: AbortSignal): Promise<void> {
    this.requests.push(PrefetchRequest.decode(body));
    for (const [i, chunk] of this.chunks.entries()) {
      if (i === 1) await this.gate;
      if (signal.aborted) throw new Error("aborted");
      await onChunk(Buffer.from(chunk));
    }
    if (this.failAtEnd) throw this.failAtEnd;
  }
  async uploadManifest(body: Uint8Array): Promise<"stored" | "forbidden"> {
    this.manifests.push(ManifestUpload.decode(body));
    return this.manifestOutcome;
  }
}

let stub: StreamStub;
let stats: Stats;
let disk: DiskTier;

async function warm(options: Partial<WarmStartOptions> = {}): Promise<WarmStart> {
  const w = new WarmStart(
    disk,
    stub as unknown as RemoteClient,
    stats,
    createLogger("error", () => {}),
    {
      buildKey: Buffer.alloc(32, 7),
      maxBytes: 1 << 30,
      timeoutMs: 60_000,
      waitMs: 5_000,
      uploadManifest: true,
      ...options,
    },
  );
  w.start();
  return w;
}

const entryFrames = (seed: string, body: Buffer, split = body.length || 1): IPrefetchFrame[] => {
  const frames: IPrefetchFrame[] = [];
  for (let at = 0; at < Math.max(body.length, 1); at += split) {
    const first = at === 0 ? { outputId: sha256(body), size: body.length, putTimeUnixMs: 1_700_000_000_000 } : {};
    frames.push({
      entry: { actionId: idOf(seed), ...first, offset: at, data: body.subarray(at, at + split), last: at + split >= body.length },
    });
  }
  return frames;
};
const announce = (...seeds: [string, number][]): IPrefetchFrame => ({
  announce: { entries: seeds.map(([seed, size]) => ({ actionId: idOf(seed), size })) },
});
const bytes = (...frames: IPrefetchFrame[]) => Buffer.concat(frames.map(encodeFrame));

beforeEach(async () => {
  stub = new StreamStub();
  stats = new Stats();
  disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "warm-")) });
});

describe("WarmStart", () => {
  it("writes streamed entries into the local tier, and a get for an announced entry waits for it", async () => {
    const a = Buffer.from("first output");
    const b = Buffer.alloc(300_000, 9);
    let release = () => {};
    stub.gate = new Promise((resolve) => {
      release = resolve;
    });
    stub.chunks = [
      bytes(announce(["a", a.length], ["b", b.length])),
      bytes(...entryFrames("a", a)),
      bytes(...entryFrames("b", b, 100_000)),
    ];
    const w = await warm();
    // "b" is announced but held back: ready() must not return before it has arrived.
    const waiting = w.ready(idOf("b").toString("hex")).then(() => disk.get(idOf("b")));
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await waiting).toMatchObject({ hit: true, size: b.length, putTime: new Date(1_700_000_000_000) });
    expect((await disk.get(idOf("a"))).hit).toBe(true);
    expect([stats.warmEntries, stats.warmBytes]).toEqual([2, a.length + b.length]);
    w.record(idOf("a").toString("hex"), true, true);
    await w.finish(1000);
    expect([stats.warmUsed, stats.warmWasted]).toEqual([1, 1]);
    expect(stub.requests[0]?.buildKey).toEqual(Buffer.alloc(32, 7));
  });

  it("answers a streamed entry from memory (the stream's own hit), and tells an entry still coming from one that never will", async () => {
    const a = Buffer.from("streamed output");
    let release = () => {};
    stub.gate = new Promise((resolve) => {
      release = resolve;
    });
    stub.chunks = [bytes(announce(["a", a.length])), bytes(...entryFrames("a", a))];
    const w = await warm();
    const hex = idOf("a").toString("hex");
    await w.ready(idOf("other").toString("hex")); // returns once the announce is in
    expect([w.coming(hex), w.storedHit(hex)]).toEqual([true, undefined]);
    expect(w.coming(idOf("other").toString("hex"))).toBe(false);
    release();
    await w.ready(hex);
    const hit = w.storedHit(hex);
    expect(hit).toMatchObject({ hit: true, size: a.length, outputId: sha256(a), putTime: new Date(1_700_000_000_000) });
    expect(w.coming(hex)).toBe(false);
    // The answer names the file the stream wrote, with exactly the output's bytes.
    expect(await readFile((hit as { diskPath: string }).diskPath)).toEqual(a);
    await w.finish(0);
  });

  it("drops a corrupt entry, a truncated stream and unannounced or oversized entries: misses, never bad bytes", async () => {
    const good = Buffer.from("good");
    const bad = entryFrames("bad", Buffer.from("honest bytes"));
    bad[0]!.entry!.data = Buffer.from("forged bytes");
    const cut = encodeFrame(entryFrames("cut", Buffer.alloc(5000, 1))[0]!);
    stub.chunks = [
      bytes(announce(["good", 4], ["bad", 12], ["big", 20], ["cut", 5000])),
      bytes(...entryFrames("stranger", Buffer.from("not announced")), ...bad, ...entryFrames("good", good)),
      bytes(...entryFrames("big", Buffer.alloc(20, 1))),
      cut.subarray(0, 100),
    ];
    const w = await warm({ maxBytes: 15 });
    for (const seed of ["good", "bad", "big", "cut", "stranger"]) await w.ready(idOf(seed).toString("hex"));
    await w.finish(0);
    expect((await disk.get(idOf("good"))).hit).toBe(true);
    for (const seed of ["bad", "big", "cut", "stranger"]) expect((await disk.get(idOf(seed))).hit, seed).toBe(false);
    expect([stats.warmEntries, stats.remoteCorrupt]).toEqual([1, 1]);
  });

  it("skips an entry whose put time go cannot read (past the year 9999) and releases it at once to the normal path", async () => {
    const body = Buffer.from("output");
    const withPutTime = (seed: string, putTimeUnixMs: number) => {
      const frames = entryFrames(seed, body);
      frames[0]!.entry!.putTimeUnixMs = putTimeUnixMs;
      return frames;
    };
    let release = () => {};
    stub.gate = new Promise((resolve) => {
      release = resolve;
    });
    stub.chunks = [
      bytes(
        announce(["year-10000", body.length], ["no-date", body.length], ["good", body.length]),
        // +010000-01-01T00:00:00Z, and a number past what a Date holds at all.
        ...withPutTime("year-10000", 253_402_300_800_000),
        ...withPutTime("no-date", 9e15),
      ),
      bytes(...entryFrames("good", body)),
    ];
    const w = await warm();
    for (const seed of ["year-10000", "no-date"]) {
      const hex = idOf(seed).toString("hex");
      // The stream is held after these entries: only a release (not the stream's end) lets ready() return in time.
      await w.ready(hex);
      expect([w.coming(hex), w.storedHit(hex)], seed).toEqual([false, undefined]);
      expect(await disk.get(idOf(seed)), seed).toEqual({ hit: false });
    }
    expect((w as unknown as { stalled: boolean }).stalled).toBe(false);
    release();
    await w.ready(idOf("good").toString("hex"));
    expect(w.storedHit(idOf("good").toString("hex"))).toMatchObject({ hit: true, putTime: new Date(1_700_000_000_000) });
    await w.finish(0);
    expect(stats.warmEntries).toBe(1);
  });

  it("ends the stream at a second announce frame, so the announced IDs cannot grow without bound", async () => {
    const body = Buffer.from("output");
    stub.chunks = [
      bytes(announce(["a", body.length]), ...entryFrames("a", body)),
      bytes(announce(["b", body.length], ["c", 1]), ...entryFrames("b", body)),
    ];
    const w = await warm();
    await w.settled();
    expect(w.failure).toMatch(/second announce/);
    expect(w.predictedEntries).toBe(1);
    expect(w.storedHit(idOf("a").toString("hex"))).toMatchObject({ hit: true });
    expect(w.storedHit(idOf("b").toString("hex"))).toBeUndefined();
    expect(await disk.get(idOf("b"))).toEqual({ hit: false });
    await w.finish(0);
    expect(stats.warmEntries).toBe(1);
  });

  it("uploads the session's manifest in first-use order, unless it is exactly what was predicted or the token is read-only", async () => {
    stub.chunks = [bytes(announce(["p", 1]), ...entryFrames("p", Buffer.from("p")))];
    let w = await warm();
    for (const seed of ["x", "p", "x", "y"]) w.record(idOf(seed).toString("hex"), true);
    await w.finish(1000);
    expect(stub.manifests[0]?.actionIds.map((id) => Buffer.from(id))).toEqual([idOf("x"), idOf("p"), idOf("y")]);
    expect(stats.manifestIds).toBe(3);

    w = await warm();
    w.record(idOf("p").toString("hex"), true);
    await w.finish(1000);
    expect(stub.manifests).toHaveLength(1);

    w = await warm({ uploadManifest: false });
    w.record(idOf("z").toString("hex"), false);
    await w.finish(1000);
    expect(stub.manifests).toHaveLength(1);
  });

  it("leaves out of the manifest a miss go never puts (a link action), so an identical build uploads none", async () => {
    const body = Buffer.from("archive");
    stub.chunks = [bytes(announce(["compile", body.length]), ...entryFrames("compile", body))];
    const w = await warm();
    await w.settled();
    // The same build as last time: the compile hits the stream's copy, the link lookup misses, never put.
    w.record(idOf("compile").toString("hex"), true, true);
    w.record(idOf("link").toString("hex"), false);
    await w.finish(1000);
    expect(stub.manifests).toEqual([]);
    expect([stats.warmUsed, stats.warmWasted]).toEqual([1, 0]);
  });

  it("leaves out of go build's manifest the source lists a compile puts beside its archive, unless go asked for one", async () => {
    stub.chunks = [bytes(announce())];
    const w = await warm({ keepSourceLists: false });
    const hex = (id: Buffer) => id.toString("hex");
    const [built, listed] = [idOf("built"), idOf("listed")];
    // A cold compile: the action misses, then go puts its archive, the compiler's output and the source list.
    w.record(hex(built), false);
    for (const desc of ["", "stdout", "srcfiles"]) w.recordPut(hex(desc ? subkey(built, desc) : built));
    // `go list -compiled` asks for a source list: that one is used, so it stays.
    w.record(hex(listed), true);
    w.record(hex(subkey(listed, "srcfiles")), true);
    await w.finish(1000);
    expect(stub.manifests[0]?.actionIds.map((id) => hex(Buffer.from(id)))).toEqual([
      hex(built),
      hex(subkey(built, "stdout")),
      hex(listed),
      hex(subkey(listed, "srcfiles")),
    ]);

    // go test and go vet read them back (vet's file list): their manifests keep them.
    stub.chunks = [bytes(announce())];
    const tested = await warm();
    tested.record(hex(built), false);
    tested.recordPut(hex(built));
    tested.recordPut(hex(subkey(built, "srcfiles")));
    await tested.finish(1000);
    expect(stub.manifests[1]?.actionIds.map((id) => hex(Buffer.from(id)))).toEqual([hex(built), hex(subkey(built, "srcfiles"))]);
  });

  it("stops the stream at the announce when the local tier already holds the build (a warm developer machine)", async () => {
    const body = Buffer.from("already here");
    await disk.put(idOf("a"), sha256(body), body);
    stub.chunks = [bytes(announce(["a", body.length])), bytes(...entryFrames("a", body))];
    const w = await warm();
    await w.ready(idOf("a").toString("hex"));
    await w.finish(0);
    expect(stats.warmEntries).toBe(0);
  });

  it("a stalled stream costs at most one wait: later gets no longer wait for it", async () => {
    stub.chunks = [bytes(announce(["a", 1], ["b", 1])), bytes(...entryFrames("a", Buffer.from("a")))];
    stub.gate = new Promise(() => {}); // the server never sends more than the announce
    const w = await warm({ waitMs: 50 });
    await w.ready(idOf("a").toString("hex"));
    await w.ready(idOf("b").toString("hex"));
    await w.ready(idOf("a").toString("hex"));
    // The first wait ran out, so the stream is marked stalled and the later gets did not wait.
    expect((w as unknown as { stalled: boolean }).stalled).toBe(true);
    expect(stats.warmEntries).toBe(0);
    void w.finish(0);
  });

  it("does not hold gets when the server has no warm start (an older server answers 404)", async () => {
    stub.failAtEnd = new Error("POST prefetch: HTTP 404");
    const w = await warm({ waitMs: 60_000 });
    await w.ready(idOf("anything").toString("hex"));
    await w.finish(1000);
    expect(stats.warmEntries).toBe(0);
  });
});
