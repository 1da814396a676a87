import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { headers, routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVersitygw, type VersitygwServer } from "../../../../test/harness/versitygw.ts";
import { randomId, sha256, startTestServer } from "../support/real-server.ts";

/**
 * An upload still arriving when --shutdown-timeout runs out is cut. What it had begun (a temp file,
 * a multipart upload) must be gone once shutdown is over, not left for gc to find a grace period later.
 */

let s3: VersitygwServer;
const savedEnv = { ...process.env };
beforeAll(async () => {
  s3 = await startVersitygw();
  Object.assign(process.env, s3.awsEnv());
}, 60_000);
afterAll(async () => {
  await s3?.destroy();
  process.env = savedEnv;
});

/** Sends `sent` bytes of a larger body, then stalls until the server cuts the connection. */
function stalledUpload(url: string, data: Buffer, sent: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request(`${url}${routes.action(randomId())}`, {
      method: "PUT",
      headers: { [headers.outputId]: sha256(data), "content-length": String(data.length) },
    });
    req.on("response", (res) => resolve(`answered ${res.statusCode}`));
    req.on("error", (err) => resolve(`cut: ${err.message}`));
    req.write(data.subarray(0, sent));
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("uploads cut at the shutdown deadline", () => {
  it("leave no temp file in the data directory", async () => {
    const server = await startTestServer(["--shutdown-timeout", "500ms"]);
    const data = randomBytes(4 << 20);
    const upload = stalledUpload(server.url, data, 2 << 20);
    // The body has begun to land in a temp file.
    await expect.poll(async () => (await filesUnder(server.options.dataDir!)).filter((f) => f.includes("blobs")).length).toBeGreaterThan(0);
    await server.close();
    expect(await upload).toMatch(/^cut/);
    expect(await filesUnder(join(server.options.dataDir!, "blobs"))).toEqual([]);
  });

  it("leave no incomplete multipart upload in the bucket", async () => {
    const server = await startTestServer([
      ...["--s3-bucket", s3.bucket, "--s3-endpoint", s3.endpoint, "--s3-region", s3.region, "--s3-prefix", "cut/"],
      ...["--s3-force-path-style", "--shutdown-timeout", "1s"],
    ]);
    const client = new S3Client(s3.s3Config());
    const uploads = async () => (await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: "cut/" }))).Uploads ?? [];
    try {
      const data = randomBytes(20 << 20);
      const upload = stalledUpload(server.url, data, 12 << 20);
      await expect.poll(async () => (await uploads()).length, { timeout: 15_000 }).toBe(1);
      await server.close();
      expect(await upload).toMatch(/^cut/);
      expect(await uploads()).toEqual([]);
    } finally {
      client.destroy();
    }
  }, 60_000);
});
