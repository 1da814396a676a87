import { randomBytes } from "node:crypto";
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVersitygw, type VersitygwServer } from "../../../../test/harness/versitygw.ts";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { compressedEntriesOnRealStore, flipBytes } from "../support/compressed-real.ts";
import { LogCapture } from "../support/fakes.ts";
import { putOutput, randomId, send, startTestServer } from "../support/real-server.ts";

let s3: VersitygwServer;
let server: Awaited<ReturnType<typeof startTestServer>>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startVersitygw();
  // The server takes credentials from the standard AWS chain, as in production.
  Object.assign(process.env, s3.awsEnv());
  server = await startTestServer([
    ...["--s3-bucket", s3.bucket, "--s3-endpoint", s3.endpoint, "--s3-region", s3.region, "--s3-prefix", "cache/"],
    ...["--s3-force-path-style", "--backend-timeout", "1s"],
  ]);
});
afterAll(async () => {
  await server?.close();
  await s3?.destroy();
  process.env = savedEnv;
});

describe("S3 blob store (versitygw) on a real port", () => {
  const objectKey = (key: string) => ({ Bucket: s3.bucket, Key: `cache/${key}` });
  const behind = <T>(use: (client: S3Client) => Promise<T>): Promise<T> => {
    const client = new S3Client(s3.s3Config());
    return use(client).finally(() => client.destroy());
  };
  compressedEntriesOnRealStore(() => server.url, {
    corrupt: (key) =>
      behind(async (client) => {
        const stored = Buffer.from(await (await client.send(new GetObjectCommand(objectKey(key)))).Body!.transformToByteArray());
        flipBytes(stored);
        await client.send(new PutObjectCommand({ ...objectKey(key), Body: stored }));
      }),
    has: (key) =>
      behind((client) =>
        client.send(new HeadObjectCommand(objectKey(key))).then(
          () => true,
          () => false,
        ),
      ),
  });

  it("stores outputs in S3 and serves them, inline ones without touching S3", async () => {
    expect(server.core.blobs.kind).toBe("s3");
    const large = randomBytes(12 * 1024 * 1024);
    const action = randomId();
    expect((await putOutput(server.url, action, large)).status).toBe(201);
    const hit = await send(server.url, "GET", routes.action(action));
    expect([hit.status, hit.body.equals(large)]).toEqual([200, true]);
    const small = randomBytes(100);
    const smallAction = randomId();
    await putOutput(server.url, smallAction, small);
    await s3.stop();
    // The embedded index holds the inline bytes, so this hit needs no S3 at all.
    const inlineHit = await send(server.url, "GET", routes.action(smallAction));
    expect([inlineHit.status, inlineHit.body.equals(small)]).toEqual([200, true]);
    await s3.restart();
  });

  it("answers 503 JSON quickly while versitygw is down, stays up, and recovers after it returns", async () => {
    const data = randomBytes(200_000);
    const action = randomId();
    await putOutput(server.url, action, data);
    await s3.stop();
    const lookup = await send(server.url, "GET", routes.action(action));
    expect(lookup.status).toBe(503);
    expect(JSON.parse(lookup.body.toString())).toEqual({ error: expect.stringContaining("unavailable") });
    expect((await putOutput(server.url, randomId(), randomBytes(50_000))).status).toBe(503);
    expect((await send(server.url, "GET", "/readyz")).status).toBe(503);
    expect((await send(server.url, "GET", "/healthz")).status).toBe(200);

    await s3.restart();
    const again = await send(server.url, "GET", routes.action(action));
    expect([again.status, again.body.equals(data)]).toEqual([200, true]);
    expect((await send(server.url, "GET", "/readyz")).status).toBe(200);
  });

  it("gc aborts incomplete multipart uploads older than the grace period (a crash mid-put) and counts them", async () => {
    const client = new S3Client(s3.s3Config());
    const uploads = async () => (await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: "cache/" }))).Uploads ?? [];
    try {
      await client.send(new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: `cache/default/o/ab/${randomId()}` }));
      expect(await uploads()).toHaveLength(1);
      const gc = (graceMs: number) =>
        runGc(
          { blobs: server.core.blobs, index: server.core.index, logger: createLogger("silent", new LogCapture()) },
          { maxAgeMs: 0, maxSizeBytes: 0, graceMs },
        );
      // Within the grace period it may be a put in flight: kept.
      expect((await gc(3600e3)).leftovers).toBe(0);
      expect(await uploads()).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // S3 timestamps have whole seconds
      expect((await gc(1)).leftovers).toBe(1);
      expect(await uploads()).toHaveLength(0);
    } finally {
      client.destroy();
    }
  });
});
