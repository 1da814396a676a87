import { randomBytes } from "node:crypto";
import { headers, PROTOBUF_CONTENT_TYPE, routes, sha256Hex } from "@gocacheprog/common";
import { FrameSplitter, ManifestUpload, PrefetchFrame, PrefetchRequest } from "@gocacheprog/common/proto";
import { describe, expect, it } from "vitest";
import type { ActionRecord } from "../../src/storage/index/types.ts";
import { makeTestApp, randomHex } from "../support/fakes.ts";

const INLINE_MAX = 16 * 1024;
const BUFFER_BYTES = 64 * 1024;
const ENTRIES = 200;

/**
 * Records carry small outputs inline, and a prefetch stream plans its announce from every record of
 * its manifests: whatever of those it keeps, it holds until the stream ends, however little its client
 * reads. The test hands planning its own copies of the inline bytes and zeroes them once the client
 * has the announce: an entry that still arrives intact was not held from planning.
 */
describe("a prefetch stream's inline outputs", () => {
  it("are held from planning up to --prefetch-buffer; the rest are read again in turn and arrive whole", async () => {
    const { app, index } = makeTestApp({ core: { inlineMax: INLINE_MAX, prefetchBufferBytes: BUFFER_BYTES, prefetchConcurrency: 4 } });
    const outputs = new Map<string, Buffer>();
    for (let i = 0; i < ENTRIES; i++) {
      // Incompressible: stored as they are, so an inline copy is the output itself.
      const body = randomBytes(INLINE_MAX);
      const action = randomHex();
      outputs.set(action, body);
      const res = await app.request(routes.action(action), {
        method: "PUT",
        body,
        headers: { [headers.outputId]: sha256Hex(body), "content-length": String(body.length) },
      });
      expect(res.status).toBe(201);
    }
    const buildKey = randomBytes(32);
    const manifest = ManifestUpload.encode({ buildKey, actionIds: [...outputs.keys()].map((hex) => Buffer.from(hex, "hex")) }).finish();
    const proto = { "content-type": PROTOBUF_CONTENT_TYPE };
    expect((await app.request(routes.manifests, { method: "POST", body: manifest.slice(), headers: proto })).status).toBe(201);

    let planning = true;
    const handedToPlanning: Buffer[] = [];
    const getMany = index.getMany.bind(index);
    index.getMany = async (ns, hexes) =>
      (await getMany(ns, hexes)).map((record): ActionRecord | null => {
        if (!record?.inline) return record;
        const inline = Buffer.from(record.inline);
        if (planning) handedToPlanning.push(inline);
        return { ...record, inline };
      });

    const res = await app.request(routes.prefetch, {
      method: "POST",
      body: PrefetchRequest.encode({ buildKey }).finish().slice(),
      headers: proto,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const splitter = new FrameSplitter();
    const frames = (chunk: Uint8Array) => splitter.push(chunk).map((bytes) => PrefetchFrame.decode(bytes));
    const first = await reader.read();
    expect(frames(first.value!)[0]?.announce?.entries).toHaveLength(ENTRIES);
    planning = false;
    for (const held of handedToPlanning) held.fill(0);

    const received = new Map<string, Buffer[]>();
    let ended = false;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      for (const frame of frames(chunk.value)) {
        if (frame.end) ended = true;
        if (!frame.entry?.data) continue;
        const hex = Buffer.from(frame.entry.actionId!).toString("hex");
        received.set(hex, [...(received.get(hex) ?? []), Buffer.from(frame.entry.data)]);
      }
    }
    expect(ended).toBe(true);
    const intact = [...outputs].filter(([hex, body]) => Buffer.concat(received.get(hex) ?? []).equals(body)).length;
    // At most BUFFER_BYTES of inline outputs held from planning (and so zeroed): the rest came whole.
    expect(intact).toBeGreaterThanOrEqual(ENTRIES - BUFFER_BYTES / INLINE_MAX);
    expect(intact).toBeLessThan(ENTRIES);
  });
});
