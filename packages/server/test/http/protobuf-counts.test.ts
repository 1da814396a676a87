import { PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import {
  BatchLookupRequest,
  BatchUploadRequest,
  MAX_BATCH_UPLOAD_BYTES,
  MAX_MANIFEST_IDS,
  ManifestUpload,
} from "@gocacheprog/common/proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeTestApp, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

/**
 * A protobuf request is bounded in bytes, but a repeated field of empty entries costs two bytes on
 * the wire and an object (~100-200 bytes, and its decoding time) in memory: 1 MiB of empty action_ids
 * decoded to 524,288 Buffers (~100 MB, ~1.5 s of the event loop) before the count was checked. Such a
 * request must be refused from its bytes, before anything is built.
 */

const proto = { "content-type": PROTOBUF_CONTENT_TYPE };
/** `count` empty entries of length-delimited field `field` (2 bytes each), after `head`. */
const emptyEntries = (field: number, count: number, head: Buffer = Buffer.alloc(0)) => {
  const body = Buffer.alloc(head.length + 2 * count);
  head.copy(body);
  for (let at = head.length; at < body.length; at += 2) body[at] = (field << 3) | 2;
  return body;
};
/** The refusal, with whether the message type's decoder ran on the body at all. */
async function refused(app: ReturnType<typeof makeTestApp>["app"], path: string, body: Buffer, type: { decode: unknown }) {
  const decode = vi.spyOn(type as { decode: (bytes: Uint8Array) => unknown }, "decode");
  const res = await app.request(path, {
    method: "POST",
    body: body.slice(),
    headers: { ...proto, authorization: `Bearer ${TOKENS.writer}` },
  });
  return { res, decoded: decode.mock.calls.length, error: ((await res.json()) as { error: string }).error };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("hostile protobuf bodies: too many entries are refused before they are decoded", () => {
  const { app } = makeTestApp({ tokens: TEAM_TOKENS });

  it("a batch lookup of 1 MiB of empty ActionIDs: 400 from its bytes, never decoded", async () => {
    const { res, decoded, error } = await refused(app, routes.batchLookup, emptyEntries(1, (1 << 20) / 2), BatchLookupRequest);
    expect(res.status).toBe(400);
    expect(error).toMatch(/at most 1000 ActionIDs/);
    expect(decoded).toBe(0);
  });

  it("a manifest of ~900k empty ActionIDs: 413 from its bytes, never decoded", async () => {
    const buildKey = Buffer.concat([Buffer.from([0x0a, 32]), Buffer.alloc(32, 7)]);
    const { res, decoded, error } = await refused(
      app,
      routes.manifests,
      emptyEntries(2, (MAX_MANIFEST_IDS * 36) / 2, buildKey),
      ManifestUpload,
    );
    expect(res.status).toBe(413);
    expect(error).toMatch(/at most 50000 ActionIDs/);
    expect(decoded).toBe(0);
  });

  it("a batch upload of 4 MiB of empty items: 413 from its bytes, never decoded", async () => {
    const { res, decoded, error } = await refused(app, routes.batchUpload, emptyEntries(1, MAX_BATCH_UPLOAD_BYTES / 2), BatchUploadRequest);
    expect(res.status).toBe(413);
    expect(error).toMatch(/at most 256 items/);
    expect(decoded).toBe(0);
  });
});
