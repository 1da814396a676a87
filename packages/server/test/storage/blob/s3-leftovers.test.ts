import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVersitygw, type VersitygwServer } from "../../../../../test/harness/versitygw.ts";
import { S3BlobStore } from "../../../src/storage/blob/s3.ts";
import { actionRecordKey, compressedOutputKey, outputKey } from "../../../src/storage/keys.ts";
import { freshNamespace, randomHexId } from "../../support/contract-helpers.ts";

let gateway: VersitygwServer;
let client: S3Client;
beforeAll(async () => {
  gateway = await startVersitygw();
  client = new S3Client(gateway.s3Config());
});
afterAll(async () => {
  client?.destroy();
  await gateway?.destroy();
});

const pendingKeys = async () =>
  ((await client.send(new ListMultipartUploadsCommand({ Bucket: gateway.bucket }))).Uploads ?? []).map((upload) => upload.Key).sort();

describe("S3BlobStore.removeLeftovers", () => {
  it("without a prefix (a bucket it may share) aborts only incomplete uploads of its own key shapes", async () => {
    const ns = freshNamespace();
    const ours = [outputKey(ns, randomHexId()), compressedOutputKey(ns, randomHexId(), 12345), actionRecordKey(ns, randomHexId())];
    // Another application's uploads, one shaped almost like ours.
    const foreign = ["other-app/big.bin", `backup/${outputKey(ns, randomHexId())}`, `${outputKey(ns, randomHexId())}.part`];
    const started = new Map<string, string>();
    for (const Key of [...ours, ...foreign]) {
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: gateway.bucket, Key }));
      started.set(Key, UploadId!);
    }
    expect(await pendingKeys()).toEqual([...ours, ...foreign].sort());

    const store = new S3BlobStore({ ...gateway.s3Config(), requestTimeoutMs: 3000 });
    try {
      // Every upload is older than a cutoff in the future: age alone would abort them all.
      expect(await store.removeLeftovers(new Date(Date.now() + 3600e3))).toEqual({ removed: ours.length, bytes: 0 });
      expect(await pendingKeys()).toEqual([...foreign].sort());
    } finally {
      await store.close();
      for (const Key of foreign) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: gateway.bucket, Key, UploadId: started.get(Key)! })).catch(() => {});
      }
    }
  });

  it("with a prefix aborts every old upload under it, and none outside it", async () => {
    const inside = ["cache/anything.tmp", `cache/${outputKey(freshNamespace(), randomHexId())}`];
    const outside = `elsewhere/${outputKey(freshNamespace(), randomHexId())}`;
    const uploadIds: string[] = [];
    for (const Key of [...inside, outside])
      uploadIds.push((await client.send(new CreateMultipartUploadCommand({ Bucket: gateway.bucket, Key }))).UploadId!);
    const store = new S3BlobStore({ ...gateway.s3Config(), prefix: "cache", requestTimeoutMs: 3000 });
    try {
      expect(await store.removeLeftovers(new Date(Date.now() + 3600e3))).toEqual({ removed: 2, bytes: 0 });
      expect(await pendingKeys()).toEqual([outside]);
    } finally {
      await store.close();
      await client.send(new AbortMultipartUploadCommand({ Bucket: gateway.bucket, Key: outside, UploadId: uploadIds[2]! })).catch(() => {});
    }
  });
});
