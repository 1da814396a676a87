import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { sha256Hex } from "@gocacheprog/common";
import type { VersitygwServer } from "../../test/harness/versitygw.ts";
import { buildLoadgen, type HitSample, type HitTarget, measureHit, processCpuMs, spawnLoadWorker, startReference } from "./load-hit.ts";
import type { LoadJob, LoadTestResult } from "./load-worker.ts";
import type { Scratch } from "./paths.ts";
import { ourSystem, type RemoteSystem } from "./systems.ts";

export interface LoadResult extends LoadTestResult {
  backend: string;
  /** Largest resident set of the server seen while this test ran. */
  serverRssMB?: number;
  /** CPU (user + system) the server used per request answered, in ms: less disturbed by other load than requests/s. */
  serverCpuMsPerRequest?: number;
}

const SMALL_ENTRIES = 256;
const LARGE_ENTRIES = 16;
const CONNECTIONS = 16;
const LARGE_HIT = "hit 1 MiB";

async function rssMB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
}

export async function putEntries(baseUrl: string, count: number, size: number): Promise<string[]> {
  const actions: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = randomBytes(size);
    const action = randomBytes(32).toString("hex");
    const response = await fetch(`${baseUrl}/v1/actions/${action}`, {
      method: "PUT",
      headers: { "x-gocacheprog-output-id": sha256Hex(body) },
      body,
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`seeding the load test: PUT answered ${response.status}`);
    actions.push(action);
  }
  return actions;
}

/**
 * The server alone under load from a second process: hits (inline and 1 MiB), misses, puts by
 * autocannon; the 1 MiB hit again by the Go generator (bench/loadgen), and both generators against
 * the reference server (src/load-hit.ts says why).
 */
export async function runLoadTests(
  s3: VersitygwServer,
  seconds: number,
  scratch: Scratch,
  log: (line: string) => void,
): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  const loadgen = await buildLoadgen(scratch).catch((err: unknown) => {
    log(`load: the Go load generator did not build, its rows are missing: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  const hit = { loadgen: loadgen ?? "", scratch, seconds, connections: CONNECTIONS, test: LARGE_HIT };
  for (const system of [ourSystem(undefined), ourSystem(s3)]) {
    try {
      await system.start(scratch, "load");
      const { results: mine, large } = await loadOne(system, seconds, log);
      results.push(...mine);
      if (loadgen) results.push(report(await measureHit(large, "go", hit), log));
    } catch (err) {
      log(`load ${system.label} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      results.push(failed(system.label));
    } finally {
      await system.stop();
    }
  }
  const reference = await startReference(scratch, LARGE_ENTRIES, 1024 * 1024);
  try {
    for (const generator of loadgen ? (["autocannon", "go"] as const) : (["autocannon"] as const))
      results.push(report(await measureHit(reference.target, generator, hit), log));
  } catch (err) {
    log(`load reference FAILED: ${err instanceof Error ? err.message : String(err)}`);
    results.push(failed(reference.target.label));
  } finally {
    await reference.stop();
  }
  return results;
}

function failed(backend: string): LoadResult {
  return { backend, test: "all", requestsPerSec: 0, p50Ms: 0, p99Ms: 0, total: 0, non2xx: 0, errors: -1, throughputMBps: 0 };
}

function report(sample: HitSample, log: (line: string) => void): LoadResult {
  const { target, generator, ...rest } = sample;
  const result: LoadResult = { ...rest, backend: target, test: generator === "go" ? `${LARGE_HIT} (Go client)` : LARGE_HIT };
  logResult(result, log);
  return result;
}

function logResult(result: LoadResult, log: (line: string) => void): void {
  const cpu = result.serverCpuMsPerRequest === undefined ? "" : `  server CPU ${result.serverCpuMsPerRequest.toFixed(2)} ms/req`;
  const rss = result.serverRssMB === undefined ? "" : `  RSS ${result.serverRssMB} MB`;
  log(
    `load ${result.backend.padEnd(24)} ${result.test.padEnd(24)} ${Math.round(result.requestsPerSec).toString().padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  non2xx ${result.non2xx}${cpu}${rss}`,
  );
}

async function loadOne(
  system: RemoteSystem,
  seconds: number,
  log: (line: string) => void,
): Promise<{ results: LoadResult[]; large: HitTarget }> {
  const baseUrl = `http://127.0.0.1:${system.port()}`;
  const gets = (actions: string[]) => actions.map((a) => `/v1/actions/${a}`);
  const large = gets(await putEntries(baseUrl, LARGE_ENTRIES, 1024 * 1024));
  const job: LoadJob = {
    baseUrl,
    seconds,
    connections: CONNECTIONS,
    tests: [
      { name: "hit 1 KiB (inline)", get: gets(await putEntries(baseUrl, SMALL_ENTRIES, 1024)) },
      { name: LARGE_HIT, get: large },
      { name: "miss", get: gets(Array.from({ length: 1024 }, () => randomBytes(32).toString("hex"))) },
      { name: "put 4 KiB", puts: { count: 512, size: 4096 } },
    ],
  };
  const pid = system.serverPid()!;
  let peakMB = 0;
  let cpuAtStart = 0;
  const sampler = setInterval(() => {
    void rssMB(pid).then((mb) => {
      if (mb !== undefined) peakMB = Math.max(peakMB, mb);
    });
  }, 100);
  const { worker, stderrTail } = spawnLoadWorker(job);
  const results: LoadResult[] = [];
  try {
    for await (const line of createInterface({ input: worker.stdout })) {
      if (line.trim() === "") continue;
      const message = JSON.parse(line) as LoadTestResult | { start: string };
      if ("start" in message) {
        peakMB = (await rssMB(pid)) ?? 0;
        cpuAtStart = await processCpuMs(pid);
        continue;
      }
      const cpuMs = (await processCpuMs(pid)) - cpuAtStart;
      const serverCpuMsPerRequest = message.total > 0 ? cpuMs / message.total : undefined;
      const result: LoadResult = { ...message, backend: system.label, serverRssMB: Math.round(peakMB), serverCpuMsPerRequest };
      results.push(result);
      logResult(result, log);
    }
  } finally {
    clearInterval(sampler);
  }
  const code = await new Promise<number | null>((resolve) =>
    worker.exitCode !== null ? resolve(worker.exitCode) : worker.once("exit", resolve),
  );
  if (code !== 0) throw new Error(`load worker exited ${code}: ${stderrTail()}`);
  return { results, large: { label: system.label, baseUrl, paths: large, pid } };
}
