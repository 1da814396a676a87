import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame, type IPrefetchFrame } from "@gocacheprog/common/proto";
import { expect, it, vi } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import { CircuitBreaker } from "../../src/remote/breaker.ts";
import type { RemoteClient } from "../../src/remote/http.ts";
import { RemoteTier } from "../../src/remote/tier.ts";
import { WarmStart } from "../../src/remote/warm.ts";
import { idOf, sha256 } from "../helpers.ts";
import { StubClient } from "./stub-client.ts";

const entry = (seed: string, body: Buffer): IPrefetchFrame => ({
  entry: {
    actionId: idOf(seed),
    outputId: sha256(body),
    size: body.length,
    putTimeUnixMs: 1_700_000_000_000,
    offset: 0,
    data: body,
    last: true,
  },
});

/**
 * A get whose wait for the stream ran out (stalled) is answered by its own remote lookup; if the
 * stream stores the same entry while that lookup is in flight, record() sees stored.has(id) and counts
 * the stream's copy as used: warmUsed counts an answer the stream never gave, warmWasted misses it.
 */
it("warmUsed counts only gets the stream's entry answered", async () => {
  const body = Buffer.from("archive bytes");
  let releaseStream = () => {};
  const streamGate = new Promise<void>((resolve) => {
    releaseStream = resolve;
  });
  let releaseLookup = () => {};
  const stub = new StubClient();
  stub.gate = new Promise<void>((resolve) => {
    releaseLookup = resolve;
  });
  stub.entries.set(idOf("a").toString("hex"), { outputHex: sha256(body).toString("hex"), putTime: new Date(), body });
  const client = Object.assign(stub, {
    async prefetch(_b: Uint8Array, onChunk: (chunk: Buffer) => Promise<void>) {
      await onChunk(Buffer.from(encodeFrame({ announce: { entries: [{ actionId: idOf("a"), size: body.length }] } })));
      await streamGate;
      await onChunk(Buffer.from(encodeFrame(entry("a", body))));
    },
    async uploadManifest() {
      return "stored" as const;
    },
  });
  const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "warm-")) });
  const stats = new Stats();
  const log = createLogger("error", () => {});
  const warm = new WarmStart(disk, client as unknown as RemoteClient, stats, log, {
    buildKey: Buffer.alloc(32, 1),
    maxBytes: 1 << 30,
    timeoutMs: 60_000,
    waitMs: 30,
    uploadManifest: false,
  });
  warm.start();
  const tier = new RemoteTier(disk, client as unknown as RemoteClient, new CircuitBreaker(3, 60_000), stats, log, {
    warm,
    uploads: false,
    uploadConcurrency: 1,
    uploadQueue: 10,
    drainTimeoutMs: 1000,
    linkThresholdBytes: 4,
    batchUploads: false,
    displayUrl: "http://cache.test",
  });
  const got = tier.get(idOf("a")); // waits 30 ms for the stream, then asks the remote
  await vi.waitFor(() => expect(stub.lookups).toBe(1));
  releaseStream(); // the stream now stores "a" too, while the remote lookup is in flight
  await warm.settled();
  releaseLookup();
  expect((await got).hit).toBe(true);
  await tier.close();
  expect({ warmEntries: stats.warmEntries, warmUsed: stats.warmUsed, warmWasted: stats.warmWasted }).toEqual({
    warmEntries: 1,
    warmUsed: 0,
    warmWasted: 1,
  });
});
