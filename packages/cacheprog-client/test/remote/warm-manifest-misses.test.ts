import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeFrame, type IPrefetchFrame, ManifestUpload } from "@gocacheprog/common/proto";
import { expect, it } from "vitest";
import { DiskTier } from "../../src/local/tier.ts";
import { createLogger } from "../../src/ops/log.ts";
import { Stats } from "../../src/ops/stats.ts";
import type { RemoteClient } from "../../src/remote/http.ts";
import { WarmStart } from "../../src/remote/warm.ts";
import { idOf, sha256 } from "../helpers.ts";

/**
 * go build ./cmd/app (and every test binary of go test) looks up its link action ID, which go never
 * puts (only go run / go tool cache executables): a miss every time. The manifest is documented as
 * "every ActionID go looked up with a hit or put", and the server announces only IDs it holds, so a
 * miss nobody put (a) goes into the manifest anyway and (b) makes the session never "what the server
 * predicted": the manifest is re-uploaded by every identical build.
 */
it("a miss go never puts is not in the manifest, and an identical build uploads nothing", async () => {
  const body = Buffer.from("archive");
  const frames: IPrefetchFrame[] = [
    { announce: { entries: [{ actionId: idOf("compile"), size: body.length }] } },
    {
      entry: {
        actionId: idOf("compile"),
        outputId: sha256(body),
        size: body.length,
        putTimeUnixMs: 1_700_000_000_000,
        offset: 0,
        data: body,
        last: true,
      },
    },
  ];
  const manifests: ReturnType<typeof ManifestUpload.decode>[] = [];
  const client = {
    async prefetch(_body: Uint8Array, onChunk: (chunk: Buffer) => Promise<void>) {
      await onChunk(Buffer.concat(frames.map(encodeFrame)));
    },
    async uploadManifest(b: Uint8Array) {
      manifests.push(ManifestUpload.decode(b));
      return "stored" as const;
    },
  };
  const disk = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "warm-")) });
  const stats = new Stats();
  const w = new WarmStart(
    disk,
    client as unknown as RemoteClient,
    stats,
    createLogger("error", () => {}),
    {
      buildKey: Buffer.alloc(32, 1),
      maxBytes: 1 << 30,
      timeoutMs: 60_000,
      waitMs: 5_000,
      uploadManifest: true,
    },
  );
  w.start();
  await w.settled();
  // The same build as last time: the compile is a hit (from the stream), the link lookup a miss, never put.
  w.record(idOf("compile").toString("hex"), true);
  w.record(idOf("link").toString("hex"), false);
  await w.finish(1000);
  expect(manifests.map((m) => m.actionIds.map((id) => Buffer.from(id).toString("hex")))).toEqual([]);
});
