import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { sha256Hex } from "@gocacheprog/common";
import type { VersitygwServer } from "../../test/harness/versitygw.ts";
import type { LoadJob, LoadTestResult } from "./load-worker.ts";
import { REPO_ROOT, type Scratch } from "./paths.ts";
import { ourSystem, type RemoteSystem } from "./systems.ts";

export interface LoadResult extends LoadTestResult {
  backend: string;
  /** Largest resident set of the server seen while this test ran. */
  serverRssMB?: number;
}

const WORKER = join(REPO_ROOT, "bench/src/load-worker.ts");
const SMALL_ENTRIES = 256;
const LARGE_ENTRIES = 16;

async function rssMB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
}

async function putEntries(baseUrl: string, count: number, size: number): Promise<string[]> {
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

/** The server alone under autocannon from a second process: hits (inline and 1 MiB), misses, puts. */
export async function runLoadTests(
  s3: VersitygwServer,
  seconds: number,
  scratch: Scratch,
  log: (line: string) => void,
): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  for (const system of [ourSystem(undefined), ourSystem(s3)]) {
    try {
      await system.start(scratch, "load");
      results.push(...(await loadOne(system, seconds, log)));
    } catch (err) {
      log(`load ${system.label} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      results.push({
        backend: system.label,
        test: "all",
        requestsPerSec: 0,
        p50Ms: 0,
        p99Ms: 0,
        total: 0,
        non2xx: 0,
        errors: -1,
        throughputMBps: 0,
      });
    } finally {
      await system.stop();
    }
  }
  return results;
}

async function loadOne(system: RemoteSystem, seconds: number, log: (line: string) => void): Promise<LoadResult[]> {
  const baseUrl = `http://127.0.0.1:${system.port()}`;
  const job: LoadJob = {
    baseUrl,
    seconds,
    connections: 16,
    smallActions: await putEntries(baseUrl, SMALL_ENTRIES, 1024),
    largeActions: await putEntries(baseUrl, LARGE_ENTRIES, 1024 * 1024),
  };
  const pid = system.serverPid()!;
  let peakMB = 0;
  const sampler = setInterval(() => {
    void rssMB(pid).then((mb) => {
      if (mb !== undefined) peakMB = Math.max(peakMB, mb);
    });
  }, 100);
  const worker = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(job)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  worker.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-8192);
  });
  const results: LoadResult[] = [];
  try {
    for await (const line of createInterface({ input: worker.stdout })) {
      if (line.trim() === "") continue;
      const message = JSON.parse(line) as LoadTestResult | { start: string };
      if ("start" in message) {
        peakMB = (await rssMB(pid)) ?? 0;
        continue;
      }
      const result: LoadResult = { ...message, backend: system.label, serverRssMB: Math.round(peakMB) };
      results.push(result);
      log(
        `load ${system.label.padEnd(24)} ${result.test.padEnd(20)} ${Math.round(result.requestsPerSec).toString().padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  non2xx ${result.non2xx}  RSS ${result.serverRssMB} MB`,
      );
    }
  } finally {
    clearInterval(sampler);
  }
  const code = await new Promise<number | null>((resolve) =>
    worker.exitCode !== null ? resolve(worker.exitCode) : worker.once("exit", resolve),
  );
  if (code !== 0) throw new Error(`load worker exited ${code}: ${stderr}`);
  return results;
}
