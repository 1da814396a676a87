import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { type SpawnedServer, spawnServer, stopProcess } from "../../test/harness/child-server.ts";
import type { LoadJob, LoadTestResult, WorkerTest } from "./load-worker.ts";
import { REPO_ROOT, type Scratch } from "./paths.ts";

/**
 * The 1 MiB hit, measured honestly on a 2-core machine where the load generator shares the cores
 * with the server: by two generators (autocannon, JavaScript; bench/loadgen, Go, far cheaper per
 * byte received), against our server and against a reference (bench/src/load-reference.ts, a bare
 * node:http server streaming the same bytes from files), with the server's own CPU time per
 * request, which the other processes on the machine disturb much less than requests per second.
 */

const run = promisify(execFile);
const WORKER = join(REPO_ROOT, "bench/src/load-worker.ts");
const REFERENCE = join(REPO_ROOT, "bench/src/load-reference.ts");
const LOADGEN_DIR = join(REPO_ROOT, "bench/loadgen");

export type Generator = "autocannon" | "go";

export interface HitTarget {
  label: string;
  baseUrl: string;
  paths: string[];
  pid: number;
}

export interface HitSample extends LoadTestResult {
  target: string;
  generator: Generator;
  /** CPU (user + system) the server process used per request answered, in ms. */
  serverCpuMsPerRequest: number;
}

/** Builds the Go load generator into the run's scratch directory (standard library only: no download). */
export async function buildLoadgen(scratch: Scratch): Promise<string> {
  const out = scratch.file("loadgen");
  const env = { ...process.env, GOTOOLCHAIN: "local", GOWORK: "off", GOFLAGS: "-mod=mod" };
  await run("go", ["build", "-o", out, "."], { cwd: LOADGEN_DIR, env, timeout: 300_000 });
  return out;
}

/** User + system CPU time of a process so far, in ms (Linux /proc; clock ticks are 10 ms). */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Starts measuring a process's CPU: the returned function gives the milliseconds it used since, or
 * undefined (no process, or it is gone). /proc counts in 10 ms ticks.
 */
export async function cpuMeter(pid: number | undefined): Promise<() => Promise<number | undefined>> {
  const before = pid === undefined ? undefined : await processCpuMs(pid).catch(() => undefined);
  return async () => (before === undefined ? undefined : (await processCpuMs(pid!).catch(() => Number.NaN)) - before || undefined);
}

/** One autocannon test in its own process (bench/src/load-worker.ts). */
export async function runAutocannon(baseUrl: string, test: WorkerTest, seconds: number, connections: number): Promise<LoadTestResult> {
  const job: LoadJob = { baseUrl, seconds, connections, tests: [test] };
  const { worker, stderrTail } = spawnLoadWorker(job);
  let result: LoadTestResult | undefined;
  for await (const line of createInterface({ input: worker.stdout })) {
    if (line.trim() === "") continue;
    const message = JSON.parse(line) as LoadTestResult | { start: string };
    if ("test" in message) result = message;
  }
  const code = await new Promise<number | null>((resolve) =>
    worker.exitCode !== null ? resolve(worker.exitCode) : worker.once("exit", resolve),
  );
  if (code !== 0 || !result) throw new Error(`load worker exited ${code}: ${stderrTail()}`);
  return result;
}

/** Starts bench/src/load-worker.ts on a job, in its own process; the tail of its stderr is kept for errors. */
export function spawnLoadWorker(job: LoadJob) {
  const worker = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(job)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  worker.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-8192);
  });
  return { worker, stderrTail: () => stderr };
}

/** The Go generator over the same rotating paths. */
export async function runGoLoadgen(
  bin: string,
  scratch: Scratch,
  baseUrl: string,
  test: { name: string; get: string[] },
  seconds: number,
  connections: number,
): Promise<LoadTestResult> {
  const pathsFile = scratch.file(`loadgen-paths-${randomBytes(4).toString("hex")}.txt`);
  await writeFile(pathsFile, `${test.get.join("\n")}\n`);
  const args = ["-url", baseUrl, "-c", String(connections), "-d", `${seconds}s`, "-paths", pathsFile];
  const { stdout } = await run(bin, args, { timeout: (seconds + 60) * 1000, maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout) as {
    requestsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    requests: number;
    non2xx: number;
    errors: number;
    bytes: number;
    seconds: number;
  };
  return {
    test: test.name,
    requestsPerSec: r.requestsPerSec,
    p50Ms: Math.round(r.p50Ms),
    p99Ms: Math.round(r.p99Ms),
    total: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
    throughputMBps: r.bytes / r.seconds / 1e6,
  };
}

/** The reference server on `count` files of `size` random bytes, in its own process. */
export async function startReference(scratch: Scratch, count: number, size: number): Promise<{ target: HitTarget; stop(): Promise<void> }> {
  const dir = await scratch.dir("reference-files");
  for (let i = 0; i < count; i++) await writeFile(join(dir, String(i)), randomBytes(size));
  const server: SpawnedServer = spawnServer(process.execPath, ["--import", "tsx", REFERENCE, dir]);
  const port = await new Promise<number>((resolve, reject) => {
    server.child.once("exit", (code) => reject(new Error(`reference server exited ${code}: ${server.output()}`)));
    server.child.stdout?.once("data", (chunk: Buffer) => resolve(Number.parseInt(chunk.toString("utf8"), 10)));
  });
  const target: HitTarget = {
    label: "reference: node:http streaming a file",
    baseUrl: `http://127.0.0.1:${port}`,
    paths: Array.from({ length: count }, (_, i) => `/${i}`),
    pid: server.child.pid!,
  };
  return { target, stop: () => stopProcess(server.child) };
}

/** One measurement of `target` by `generator`, with the server's CPU time per request. */
export async function measureHit(
  target: HitTarget,
  generator: Generator,
  options: { loadgen: string; scratch: Scratch; seconds: number; connections: number; test: string },
): Promise<HitSample> {
  const test = { name: options.test, get: target.paths };
  const cpuBefore = await processCpuMs(target.pid);
  const result =
    generator === "go"
      ? await runGoLoadgen(options.loadgen, options.scratch, target.baseUrl, test, options.seconds, options.connections)
      : await runAutocannon(target.baseUrl, test, options.seconds, options.connections);
  const cpuMs = (await processCpuMs(target.pid)) - cpuBefore;
  return { ...result, target: target.label, generator, serverCpuMsPerRequest: result.total > 0 ? cpuMs / result.total : 0 };
}
