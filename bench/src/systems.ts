import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { parseStatsLines } from "../../packages/cacheprog-client/src/ops/job-stats.ts";
import { type SpawnedServer, spawnServer, stopProcess, waitUntil } from "../../test/harness/child-server.ts";
import { getFreePort } from "../../test/harness/ports.ts";
import type { RedisServer } from "../../test/harness/redis.ts";
import { startRedis } from "../../test/harness/redis.ts";
import type { VersitygwServer } from "../../test/harness/versitygw.ts";
import type { CacheProg } from "./gobuild.ts";
import { CLIENT_BIN, ourRuntime, type Scratch, SERVER_BIN } from "./paths.ts";

export interface ClientCounts {
  hits?: number;
  misses?: number;
  uploads?: number;
  /** Requests those uploads took (batches of small outputs, large ones alone). */
  uploadRequests?: number;
  uploadBytes?: number;
}

/** One remote cache under test: a server (or S3 itself) and the GOCACHEPROG client that talks to it. */
export interface RemoteSystem {
  id: string;
  label: string;
  /** A fresh, empty store. */
  start(scratch: Scratch, runTag: string): Promise<void>;
  stop(): Promise<void>;
  /** Where the client connects; the delay proxy forwards here. */
  port(): number;
  /** Process id of the server, for its RSS; undefined when the store is S3 itself. */
  serverPid(): number | undefined;
  client(clientDir: string, port: number, statsFile: string): CacheProg;
  /** The same client on its local directory only (no server), for the local-warm comparison (4). */
  localClient?(clientDir: string): CacheProg;
  counts(statsFile: string, buildStderr: string): Promise<ClientCounts>;
  /** Bytes the store's outputs take at rest (compressed or not), when this system can tell. */
  storedBytes?(): Promise<number | undefined>;
  /** Ours: the client's --compression; seeding over HTTP sends bodies the way that client would. */
  compression?: Compression;
}

export type Compression = "zstd" | "off";

/** Sum of a file tree's sizes (a peer's on-disk store). */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export async function startProcess(
  what: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
): Promise<SpawnedServer> {
  const server = spawnServer(command, args, env);
  await waitUntil(what, server, async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status < 500;
  });
  return server;
}

export function ourClient(clientDir: string, port: number | undefined, statsFile: string, compression: Compression = "zstd"): CacheProg {
  const env: Record<string, string> = { GOCACHEPROG_DIR: clientDir, GOCACHEPROG_STATS_FILE: statsFile };
  if (compression !== "zstd") env["GOCACHEPROG_COMPRESSION"] = compression;
  if (port !== undefined) env["GOCACHEPROG_URL"] = `http://127.0.0.1:${port}`;
  return { argv: [ourRuntime.node, CLIENT_BIN], env };
}

export async function ourCounts(statsFile: string): Promise<ClientCounts> {
  const text = await readFile(statsFile, "utf8").catch(() => undefined);
  if (text === undefined) return {};
  // The client appends one line per go command and scenarios reuse a file across builds: this build's is the last.
  const s = parseStatsLines(text).records.at(-1) as Record<string, number> | undefined;
  if (!s) return {};
  return {
    hits: s["hits"],
    misses: s["misses"],
    uploads: s["uploads"],
    uploadRequests: s["uploadRequests"],
    uploadBytes: s["uploadBytes"],
  };
}

/**
 * gocacheprog-server on the embedded storage, or on S3 (versitygw) + Redis when `s3` is given.
 * `compression: "off"` is the embedded one used only raw (its client runs with --compression off),
 * the baseline of issue 12's loopback goal.
 */
export function ourSystem(s3: VersitygwServer | undefined, compression: Compression = "zstd"): RemoteSystem {
  let server: SpawnedServer | undefined;
  let redis: RedisServer | undefined;
  let port = 0;
  const raw = compression === "off";
  return {
    id: s3 ? "gocacheprog-s3" : raw ? "gocacheprog-embedded-uncompressed" : "gocacheprog-embedded",
    label: s3 ? "gocacheprog (S3+Redis)" : raw ? "gocacheprog (embedded, uncompressed)" : "gocacheprog (embedded)",
    compression,
    async start(scratch, runTag) {
      port = await getFreePort();
      const args = [SERVER_BIN, "serve", "--listen", `127.0.0.1:${port}`, "--log-level", "warn", "--gc-interval", "0"];
      let env: NodeJS.ProcessEnv = process.env;
      if (s3) {
        redis = await startRedis();
        args.push("--s3-bucket", s3.bucket, "--s3-endpoint", s3.endpoint, "--s3-region", s3.region, "--s3-force-path-style");
        args.push("--s3-prefix", `gocacheprog/${runTag}/`, "--redis-url", redis.url);
        env = { ...process.env, ...s3.awsEnv() };
      } else {
        args.push("--data-dir", await scratch.dir("server-data"));
      }
      server = await startProcess(`gocacheprog-server (${this.label})`, ourRuntime.node, args, env, `http://127.0.0.1:${port}/readyz`);
    },
    async stop() {
      if (server) await stopProcess(server.child);
      await redis?.stop();
      server = undefined;
      redis = undefined;
    },
    port: () => port,
    serverPid: () => server?.child.pid,
    client: (clientDir, clientPort, statsFile) => ourClient(clientDir, clientPort, statsFile, compression),
    counts: (statsFile) => ourCounts(statsFile),
    // The server's own count of what its outputs take in storage (compressed ones at their stored size).
    async storedBytes() {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const samples = text.split("\n").filter((line) => line.startsWith("gocacheprog_output_stored_bytes_total"));
      return samples.reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
    },
  };
}

/** bradfitz/go-tool-cache: the gocached server with the go-cacher client (--verbose prints its counts). */
export function gocachedSystem(goCacher: string, gocached: string): RemoteSystem {
  let server: SpawnedServer | undefined;
  let port = 0;
  let dataDir = "";
  return {
    id: "gocached",
    label: "go-cacher + gocached",
    async start(scratch) {
      port = await getFreePort();
      dataDir = await scratch.dir("gocached-data");
      const args = ["--listen", `127.0.0.1:${port}`, "--cache-dir", dataDir];
      server = await startProcess("gocached", gocached, args, process.env, `http://127.0.0.1:${port}/`);
    },
    async stop() {
      if (server) await stopProcess(server.child);
      server = undefined;
    },
    port: () => port,
    serverPid: () => server?.child.pid,
    client: (clientDir, clientPort) => ({
      argv: [goCacher, "--cache-dir", clientDir, "--cache-server", `http://127.0.0.1:${clientPort}`, "--verbose"],
      env: {},
    }),
    localClient: (clientDir) => ({ argv: [goCacher, "--cache-dir", clientDir, "--verbose"], env: {} }),
    async counts(_statsFile, stderr) {
      const m = /(\d+) gets \((\d+) hits, (\d+) misses/.exec(stderr);
      return m ? { hits: Number(m[2]), misses: Number(m[3]) } : {};
    },
    storedBytes: () => treeBytes(dataDir),
  };
}

/** tailscale/go-cache-plugin: the client talks to S3 directly; its --metrics line has the counts. */
export function goCachePluginSystem(bin: string, s3: VersitygwServer): RemoteSystem {
  let prefix = "";
  const s3Port = Number(new URL(s3.endpoint).port);
  return {
    id: "go-cache-plugin",
    label: "go-cache-plugin (S3)",
    async start(_scratch, runTag) {
      prefix = `go-cache-plugin/${runTag}`;
    },
    async stop() {},
    port: () => s3Port,
    serverPid: () => undefined,
    client: (clientDir, clientPort) => ({
      argv: [
        bin,
        `--cache-dir=${clientDir}`,
        `--bucket=${s3.bucket}`,
        `--region=${s3.region}`,
        `--s3-endpoint-url=http://127.0.0.1:${clientPort}`,
        "--s3-path-style",
        `--prefix=${prefix}`,
        "--metrics",
      ],
      env: s3.awsEnv(),
    }),
    async counts(_statsFile, stderr) {
      const field = (name: string) => {
        const m = new RegExp(`"${name}": (\\d+)`).exec(stderr);
        return m ? Number(m[1]) : undefined;
      };
      const local = field("get_local_hit");
      const fault = field("get_fault_hit");
      const miss = field("get_fault_miss");
      if (local === undefined && fault === undefined) return {};
      return { hits: (local ?? 0) + (fault ?? 0), misses: miss };
    },
  };
}
