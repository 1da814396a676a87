import { randomBytes } from "node:crypto";
import { PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import { BatchUploadRequest, type IUploadItem } from "@gocacheprog/common/proto";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../src/storage/errors.ts";
import { makeTestApp, randomHex, sha256Hex } from "../support/fakes.ts";

function item(body: Buffer): IUploadItem {
  return { actionId: Buffer.from(randomHex(), "hex"), outputId: Buffer.from(sha256Hex(body), "hex"), size: body.length, body };
}

/**
 * "Storage trouble is not the item's fault: it fails the whole request (503/507), as for a PUT."
 * Once the request has been answered 503, nothing more of it should be stored: the client was told
 * the batch failed (and retries it), and a request that is over must not keep working (and keep its
 * body in memory) behind its answer, outside the admission limits.
 */
describe("a batch upload answered 503", () => {
  it("stores no further items after the request has failed", async () => {
    const t = makeTestApp();
    const items = Array.from({ length: 64 }, () => item(randomBytes(200)));
    // The first record copy write fails (a blob store hiccup); the following ones succeed.
    const put = t.blobs.put.bind(t.blobs);
    let failed = false;
    t.blobs.put = async (key, body, expect) => {
      if (!failed && key.includes("/a/")) {
        failed = true;
        throw new BackendUnavailableError("blob store hiccup");
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      return put(key, body, expect);
    };
    const res = await t.app.request(routes.batchUpload, {
      method: "POST",
      body: BatchUploadRequest.encode({ items }).finish().slice(),
      headers: { "content-type": PROTOBUF_CONTENT_TYPE },
    });
    expect(res.status).toBe(503);
    const atAnswer = t.index.records.size;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Entries stored after the client was told the whole batch failed.
    expect({ atAnswer, later: t.index.records.size }).toEqual({ atAnswer, later: atAnswer });
  });
});
