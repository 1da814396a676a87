import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { TEST_MODULE_DIR } from "./paths.ts";

export type WorkloadName = "std" | "cmd" | "gomod";

export interface Workload {
  name: WorkloadName;
  description: string;
  args: string[];
  /** undefined = the scratch root (std and cmd need no module). */
  cwd: string | undefined;
}

export const WORKLOADS: Record<WorkloadName, Workload> = {
  std: { name: "std", description: "go build std", args: ["build", "std"], cwd: undefined },
  cmd: { name: "cmd", description: "go build cmd", args: ["build", "cmd"], cwd: undefined },
  gomod: { name: "gomod", description: "go build ./... in test/gomod", args: ["build", "./..."], cwd: TEST_MODULE_DIR },
};

/** A GOCACHEPROG child: its argv (no spaces inside an element) and extra environment. */
export interface CacheProg {
  argv: string[];
  env: Record<string, string>;
}

const GNU_TIME = "/usr/bin/time";
export const canMeasureRss = existsSync(GNU_TIME);

/**
 * The environment every build gets: nothing inherited that changes what go does (GOFLAGS, an outer
 * GOCACHEPROG or client settings), the local toolchain only and no network for modules.
 */
export function goEnv(gocache: string, cacheprog: CacheProg | undefined, rssFile: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "GOFLAGS" || key.startsWith("GOCACHEPROG") || key.startsWith("AWS_")) continue;
    env[key] = value;
  }
  // Version stamping would run git in the repo and vary with its state; nothing else is set.
  Object.assign(env, { GOCACHE: gocache, GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false", GOPROXY: "off", GOWORK: "off" });
  if (cacheprog) {
    Object.assign(env, cacheprog.env);
    // Peak RSS, then user and system CPU seconds (CPU is the steadier figure on a loaded machine); no
    // spaces, as go splits GOCACHEPROG on them.
    const argv = rssFile && canMeasureRss ? [GNU_TIME, "-f", "%M,%U,%S", "-o", rssFile, ...cacheprog.argv] : cacheprog.argv;
    env["GOCACHEPROG"] = argv.join(" ");
  }
  return env;
}

export interface BuildResult {
  /** Spawn of go to its exit: what a user or a CI step waits for. */
  ms: number;
  /** go's exit to the last holder of its stderr closing: a cache child still finishing after go left. */
  lingerMs: number;
  clientPeakRssKb: number | undefined;
  /** The cache child's user + system CPU time. */
  clientCpuMs: number | undefined;
  /** Tail of go's stderr, which the cache child shares: peers print their counts there. */
  stderr: string;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function goBuild(workload: Workload, cwd: string, env: NodeJS.ProcessEnv, rssFile?: string): Promise<BuildResult> {
  const started = performance.now();
  const child = spawn("go", workload.args, { cwd: workload.cwd ?? cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-16_384);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const code = await exited;
  const exitedAt = performance.now();
  await closed;
  const closedAt = performance.now();
  if (code !== 0) throw new Error(`${workload.description} failed (exit ${code}):\n${stderr.trim()}`);
  const usage = rssFile ? await readUsage(rssFile) : {};
  return { ms: exitedAt - started, lingerMs: closedAt - exitedAt, clientPeakRssKb: usage.rssKb, clientCpuMs: usage.cpuMs, stderr };
}

/** GNU time writes "Command exited with non-zero status N" before the figures when the child failed. */
async function readUsage(file: string): Promise<{ rssKb?: number; cpuMs?: number }> {
  const text = await readFile(file, "utf8").catch(() => "");
  const [kb, user, system] = (text.trim().split("\n").pop() ?? "").split(",").map(Number);
  const valid = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
  return {
    rssKb: valid(kb) && kb > 0 ? kb : undefined,
    cpuMs: valid(user) && valid(system) ? Math.round((user + system) * 1000) : undefined,
  };
}
