import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pauseProcess, removeOnExit, type SpawnedServer, spawnServer, stopProcess, tcpExchange, waitUntil } from "./child-server.ts";
import { getFreePort } from "./ports.ts";

export interface RedisServer {
  url: string;
  port: number;
  /** SIGTERM and wait for exit. Data is not persisted, so a restart comes back empty (a "lost Redis"). */
  stop(): Promise<void>;
  /** Starts again on the same port (after stopping it if still running). */
  restart(): Promise<void>;
  /** SIGKILL, for crash scenarios. */
  kill(): Promise<void>;
  /** SIGSTOP: the port still accepts connections but nothing answers (a hung server). */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): void;
}

const REDIS_SERVER = process.env["REDIS_SERVER_BIN"] ?? "redis-server";

function findOnPath(command: string): boolean {
  if (command.includes("/")) return existsSync(command);
  return (process.env["PATH"] ?? "").split(":").some((dir) => dir !== "" && existsSync(join(dir, command)));
}

/** A private redis-server on a free loopback port with persistence off; never touches 6379. */
export async function startRedis(): Promise<RedisServer> {
  if (!findOnPath(REDIS_SERVER)) {
    throw new Error(`redis-server not found on PATH (the tests need a real one): run scripts/install-test-deps.sh`);
  }
  const port = await getFreePort();
  const dir = await mkdtemp(join(tmpdir(), "gcp-redis-"));
  removeOnExit(dir);
  let server: SpawnedServer | undefined;

  const launch = async () => {
    await mkdir(dir, { recursive: true });
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
    const spawned = spawnServer(REDIS_SERVER, args);
    server = spawned;
    await waitUntil(`redis-server on port ${port}`, spawned, async () => (await tcpExchange(port, "PING\r\n")).startsWith("+PONG"));
  };
  const stopWith = async (signal: NodeJS.Signals) => {
    if (server) await stopProcess(server.child, signal);
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stopWith("SIGTERM");
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
    pause: async () => {
      if (server) await pauseProcess(server.child);
    },
    resume: () => {
      server?.child.kill("SIGCONT");
    },
    restart: async () => {
      await stopWith("SIGTERM");
      await launch();
    },
    kill: () => stopWith("SIGKILL"),
  };
}

export interface RedisSentinel {
  host: string;
  port: number;
  /** The master name the sentinel monitors. */
  name: string;
  stop(): Promise<void>;
}

/** A real redis-server in sentinel mode, monitoring `master` (quorum 1) on a free loopback port. */
export async function startSentinel(master: RedisServer, name = "mymaster"): Promise<RedisSentinel> {
  const port = await getFreePort();
  const dir = await mkdtemp(join(tmpdir(), "gcp-sentinel-"));
  removeOnExit(dir);
  // Sentinel rewrites its config file at run time, so it gets its own writable copy.
  const config = join(dir, "sentinel.conf");
  await writeFile(
    config,
    [`port ${port}`, "bind 127.0.0.1", `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`, ""].join("\n"),
  );
  const server = spawnServer(REDIS_SERVER, [config, "--sentinel"]);
  await waitUntil(`redis sentinel on port ${port}`, server, async () =>
    (await tcpExchange(port, `SENTINEL get-master-addr-by-name ${name}\r\n`)).includes(String(master.port)),
  );
  return {
    host: "127.0.0.1",
    port,
    name,
    stop: async () => {
      await stopProcess(server.child, "SIGTERM");
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

export interface RedisCluster {
  /** Seed nodes, as --redis-cluster-nodes takes them. */
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** A real 3-master Redis Cluster (no replicas) on free loopback ports, slots assigned by redis-cli. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "gcp-cluster-"));
  removeOnExit(dir);
  const nodes: { host: string; port: number; server: SpawnedServer }[] = [];
  for (let n = 0; n < 3; n++) {
    const port = await getFreePort();
    const nodeDir = join(dir, String(port));
    await mkdir(nodeDir);
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", nodeDir];
    const server = spawnServer(REDIS_SERVER, [...args, "--cluster-enabled", "yes", "--cluster-config-file", join(nodeDir, "nodes.conf")]);
    await waitUntil(`redis cluster node on port ${port}`, server, async () => (await tcpExchange(port, "PING\r\n")).startsWith("+PONG"));
    nodes.push({ host: "127.0.0.1", port, server });
  }
  const create = spawnServer("redis-cli", ["--cluster", "create", ...nodes.map((node) => `127.0.0.1:${node.port}`), "--cluster-yes"]);
  await new Promise<void>((resolve) => create.child.once("exit", () => resolve()));
  if (create.child.exitCode !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.output()}`);
  const first = nodes[0] as { port: number; server: SpawnedServer };
  await waitUntil("redis cluster to agree on its slots", first.server, async () =>
    (await tcpExchange(first.port, "CLUSTER INFO\r\n")).includes("cluster_state:ok"),
  );
  return {
    nodes: nodes.map(({ host, port }) => ({ host, port })),
    stop: async () => {
      await Promise.all(nodes.map((node) => stopProcess(node.server.child, "SIGTERM")));
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}
