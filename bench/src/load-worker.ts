import { randomBytes } from "node:crypto";
import { sha256Hex } from "@gocacheprog/common";
import autocannon, { type AutocannonRequest } from "autocannon";

/**
 * Runs in its own process so the load generator does not share an event loop with anything it
 * measures. Reads one JSON job from argv, prints one JSON result line per test.
 */
export interface LoadJob {
  baseUrl: string;
  seconds: number;
  connections: number;
  tests: WorkerTest[];
}

/** GETs over a rotating list of paths, or puts of new actions with bodies of `size` bytes. */
export type WorkerTest = { name: string; get: string[] } | { name: string; puts: { count: number; size: number } };

export interface LoadTestResult {
  test: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  throughputMBps: number;
}

function rotating(paths: string[], method: string): AutocannonRequest {
  let next = 0;
  return {
    method,
    setupRequest: (request) => {
      request.path = paths[next++ % paths.length]!;
      return request;
    },
  };
}

/** Each put is a new action with a new body, as in a cold build; bodies are built up front. */
function uniquePuts(count: number, size: number): AutocannonRequest {
  const pool = Array.from({ length: count }, () => {
    const body = randomBytes(size);
    return { body, outputHex: sha256Hex(body) };
  });
  let next = 0;
  return {
    method: "PUT",
    setupRequest: (request) => {
      const item = pool[next++ % pool.length]!;
      request.path = `/v1/actions/${randomBytes(32).toString("hex")}`;
      request.headers = { "content-type": "application/octet-stream", "x-gocacheprog-output-id": item.outputHex };
      request.body = item.body;
      return request;
    },
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]!) as LoadJob;
  const tests: [string, AutocannonRequest][] = job.tests.map((t) => [
    t.name,
    "get" in t ? rotating(t.get, "GET") : uniquePuts(t.puts.count, t.puts.size),
  ]);
  for (const [test, request] of tests) {
    // On stdout, in order with the results, so the parent can attribute server RSS to each test.
    process.stdout.write(`${JSON.stringify({ start: test })}\n`);
    const r = await autocannon({ url: job.baseUrl, connections: job.connections, duration: job.seconds, requests: [request] });
    const result: LoadTestResult = {
      test,
      requestsPerSec: r.requests.average,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      total: r.requests.total,
      non2xx: r.non2xx,
      errors: r.errors,
      throughputMBps: r.throughput.average / 1e6,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`load worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
