import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { pauseProcess, removeOnExit, type SpawnedServer, spawnServer, stopProcess, waitUntil } from "./child-server.ts";
import { getFreePort } from "./ports.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const VERSITYGW_BIN = join(REPO_ROOT, ".tools/bin/versitygw");

/** What an S3 client needs to reach the gateway; matches the S3 blob store's options. */
export interface VersitygwS3Config {
  endpoint: string;
  region: string;
  bucket: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface VersitygwServer {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** SIGTERM and wait for exit; the data directory stays until the test process ends. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same data (after stopping it if still running). */
  restart(): Promise<void>;
  s3Config(): VersitygwS3Config;
  /** SIGSTOP: the port still accepts connections but nothing answers (a hung server). */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
  /** AWS_* variables for a spawned server that reads credentials from the standard chain. */
  awsEnv(): Record<string, string>;
  /** Stops the gateway and deletes its data. */
  destroy(): Promise<void>;
}

/** A real S3 endpoint: versitygw's posix backend over a temp dir, on a free loopback port. */
export async function startVersitygw(options: { bucket?: string } = {}): Promise<VersitygwServer> {
  if (!existsSync(VERSITYGW_BIN)) {
    throw new Error(`versitygw not found at ${VERSITYGW_BIN}: run scripts/install-test-deps.sh`);
  }
  const port = await getFreePort();
  const dataDir = await mkdtemp(join(tmpdir(), "gcp-versitygw-"));
  removeOnExit(dataDir);
  const region = "us-east-1";
  const bucket = options.bucket ?? "gocacheprog-test";
  const accessKeyId = `test${randomBytes(6).toString("hex")}`;
  const secretAccessKey = randomBytes(24).toString("hex");
  const endpoint = `http://127.0.0.1:${port}`;
  let server: SpawnedServer | undefined;

  const launch = async () => {
    await mkdir(dataDir, { recursive: true });
    // Credentials go through the environment so they never show up in `ps`.
    const env = { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey };
    const spawned = spawnServer(VERSITYGW_BIN, ["--port", `127.0.0.1:${port}`, "--region", region, "--quiet", "posix", dataDir], env);
    server = spawned;
    await waitUntil(`versitygw on port ${port}`, spawned, async () => {
      // Any HTTP answer (an S3 error for an anonymous request included) means it is serving.
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return true;
    });
  };

  const s3Config = (): VersitygwS3Config => ({
    endpoint,
    region,
    bucket,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  await launch();
  const client = new S3Client({ ...s3Config() });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }

  const stop = async () => {
    if (server) await stopProcess(server.child);
  };
  return {
    endpoint,
    region,
    bucket,
    accessKeyId,
    secretAccessKey,
    stop,
    pause: async () => {
      if (server) await pauseProcess(server.child);
    },
    resume: () => {
      server?.child.kill("SIGCONT");
    },
    restart: async () => {
      await stop();
      await launch();
    },
    s3Config,
    awsEnv: () => ({ AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: region }),
    destroy: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
