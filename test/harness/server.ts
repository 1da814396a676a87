import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serverMain } from "./bins.ts";
import { removeOnExit, type SpawnedServer, spawnServer, stopProcess, waitUntil } from "./child-server.ts";
import { getFreePort } from "./ports.ts";
import { type RedisServer, startRedis } from "./redis.ts";
import { startVersitygw, type VersitygwServer } from "./versitygw.ts";

/** Where the server under test keeps outputs and its index. */
export type StorageKind = "embedded" | "s3-redis";

export interface ServerToken {
  token: string;
  /** admin: read-write in its namespace, and the status page shows every namespace. */
  scope: "read" | "read-write" | "admin";
  namespace?: string;
  /** The namespace's own budget, as the tokens configuration spells it: "maxSize=2MiB maxEntries=100". */
  budget?: string;
}

export interface CacheServerOptions {
  /** "embedded" (default): outputs and index under dataDir. "s3-redis": a private versitygw and redis-server. */
  storage?: StorageKind;
  /** None = open access (namespace "default", read-write). */
  tokens?: ServerToken[];
  /** Extra environment for the server process, e.g. GOCACHEPROG_SERVER_BACKEND_TIMEOUT. */
  env?: Record<string, string>;
  /** Extra flags, after the harness's own (a --gc-interval here replaces the harness's "0"). */
  args?: string[];
  /** Keep the data here (e.g. a small tmpfs) instead of a fresh temp dir; it is not deleted by close(). */
  dataDir?: string;
}

export interface CacheServer {
  url: string;
  port: number;
  storage: StorageKind;
  /** --data-dir: the embedded store, or (s3-redis) only scratch space the server does not use. */
  dataDir: string;
  redis?: RedisServer;
  s3?: VersitygwServer;
  /** What the server wrote lately (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM: graceful shutdown, data kept. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, data kept as the crash left it. */
  kill(): Promise<void>;
  /** Starts again on the same port with the same data (stopping it first if still running). */
  restart(): Promise<void>;
  /** The server process's pid while it runs (memory figures from /proc). */
  pid(): number | undefined;
  /** Sum of the samples of a Prometheus metric from /metrics whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Stops the server and the redis-server/versitygw it started, and deletes their data. */
  close(): Promise<void>;
}

/** A token the server accepts (it wants at least 16 characters). */
export function newToken(): string {
  return randomBytes(24).toString("hex");
}

/**
 * The one way e2e tests run gocacheprog-server: the real bundled dist/main.js on a free loopback
 * port, with its own data dir (and, for s3-redis, its own versitygw and redis-server), ready once
 * /readyz answers 200.
 */
export async function startCacheServer(options: CacheServerOptions = {}): Promise<CacheServer> {
  const storage = options.storage ?? "embedded";
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "gcp-server-")));
  if (!options.dataDir) removeOnExit(dataDir);
  const s3 = storage === "s3-redis" ? await startVersitygw() : undefined;
  const redis = storage === "s3-redis" ? await startRedis() : undefined;
  // Taken last: another process may take a free port in the seconds versitygw and redis take to start.
  const port = await getFreePort();

  const extra = options.args ?? [];
  const gcInterval = extra.includes("--gc-interval") ? [] : ["--gc-interval", "0"];
  const args = [
    serverMain,
    "serve",
    "--listen",
    `127.0.0.1:${port}`,
    "--data-dir",
    dataDir,
    ...gcInterval,
    "--log-level",
    "warn",
    ...extra,
  ];
  if (s3) args.push("--s3-bucket", s3.bucket, "--s3-endpoint", s3.endpoint, "--s3-region", s3.region, "--s3-force-path-style");
  const env: NodeJS.ProcessEnv = { ...withoutServerEnv(process.env), ...s3?.awsEnv(), ...options.env };
  // Secrets travel in the environment, never on the command line where `ps` shows them.
  if (redis) env["GOCACHEPROG_SERVER_REDIS_URL"] = redis.url;
  if (options.tokens?.length) {
    env["GOCACHEPROG_SERVER_TOKENS"] = options.tokens
      .map((t) => `${t.token} ${t.scope} ${t.namespace ?? "default"}${t.budget ? ` ${t.budget}` : ""}`)
      .join(",");
  }

  let server: SpawnedServer | undefined;
  const url = `http://127.0.0.1:${port}`;
  const launch = async () => {
    const spawned = spawnServer(process.execPath, args, env);
    server = spawned;
    await waitUntil(`gocacheprog-server (${storage}) on port ${port}`, spawned, async () => {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status === 200;
    });
  };
  const stopWith = async (signal: NodeJS.Signals) => {
    if (server) await stopProcess(server.child, signal);
  };

  await launch();
  return {
    url,
    port,
    storage,
    dataDir,
    redis,
    s3,
    output: () => server?.output() ?? "",
    pid: () => server?.child.pid,
    stop: () => stopWith("SIGTERM"),
    kill: () => stopWith("SIGKILL"),
    restart: async () => {
      await stopWith("SIGTERM");
      await launch();
    },
    metric: async (name, labels = {}) =>
      sumMetric(await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text(), name, labels),
    close: async () => {
      await stopWith("SIGTERM");
      await Promise.all([redis?.stop(), s3?.destroy()]);
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The caller's own GOCACHEPROG_* settings (server or client) must not leak into the server under test. */
function withoutServerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("GOCACHEPROG_")));
}

/** Parses the Prometheus text format just enough for counters: `name{a="b",...} value`. */
export function sumMetric(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}
