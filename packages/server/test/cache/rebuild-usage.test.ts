import { sha256Hex } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { rebuildIndex } from "../../src/cache/records.ts";
import { FakeIndex, makeTestApp, randomHex } from "../support/fakes.ts";

describe("rebuild-index restores usage", () => {
  it("after a flushed index, rebuild-index restores entries AND the stored bytes of their output blobs", async () => {
    const { app, blobs, index } = makeTestApp({ core: { inlineMax: 0 } });
    for (const fill of [1, 2]) {
      const data = Buffer.alloc(5000, fill);
      const res = await app.request(`/v1/actions/${randomHex()}`, {
        method: "PUT",
        body: data,
        headers: { "x-gocacheprog-output-id": sha256Hex(data), "content-length": "5000" },
      });
      expect(res.status).toBe(201);
    }
    expect((await index.usage()).get("default")).toEqual({ entries: 2, bytes: 10_000 });
    // A flushed Redis: records, counters and marks gone; the blob store is intact.
    const flushed = new FakeIndex();
    expect(await rebuildIndex(blobs, flushed)).toMatchObject({ restored: 2 });
    expect((await flushed.usage()).get("default")).toEqual({ entries: 2, bytes: 10_000 });
  });
});
