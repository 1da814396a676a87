import { basename } from "node:path";
import { parseArgs } from "node:util";
import { type SpawnedServer, stopProcess } from "../../test/harness/child-server.ts";
import { getFreePort } from "../../test/harness/ports.ts";
import { putEntries } from "./load.ts";
import { buildLoadgen, type Generator, type HitSample, type HitTarget, measureHit, startReference } from "./load-hit.ts";
import { Scratch, SERVER_BIN } from "./paths.ts";
import { startProcess } from "./systems.ts";

/**
 * `npm run bench:hit`: only the 1 MiB hit, interleaved repetitions of every (server, generator)
 * pair in one run, so a change to the hit path can be compared with the build before it
 * (`--server old.js --server packages/server/dist/main.js`) on a machine other jobs share.
 */
const { values } = parseArgs({
  options: {
    server: { type: "string", multiple: true },
    seconds: { type: "string", default: "5" },
    reps: { type: "string", default: "3" },
    connections: { type: "string", default: "16" },
    generators: { type: "string", default: "autocannon,go" },
    "no-reference": { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const reps = Number(values.reps);
const connections = Number(values.connections);
const generators = values.generators.split(",") as Generator[];
const ENTRIES = 16;
const SIZE = 1024 * 1024;
const log = (line: string) => process.stdout.write(`${line}\n`);

async function startOurs(bin: string, scratch: Scratch, label: string): Promise<{ target: HitTarget; server: SpawnedServer }> {
  const port = await getFreePort();
  const args = [bin, "serve", "--listen", `127.0.0.1:${port}`, "--log-level", "warn", "--gc-interval", "0"];
  args.push("--data-dir", await scratch.dir("server-data"));
  const server = await startProcess(label, process.execPath, args, process.env, `http://127.0.0.1:${port}/readyz`);
  const baseUrl = `http://127.0.0.1:${port}`;
  const actions = await putEntries(baseUrl, ENTRIES, SIZE);
  return { target: { label, baseUrl, paths: actions.map((a) => `/v1/actions/${a}`), pid: server.child.pid! }, server };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const scratch = await Scratch.create();
  const stops: (() => Promise<void>)[] = [];
  try {
    const loadgen = await buildLoadgen(scratch);
    const targets: HitTarget[] = [];
    for (const bin of values.server ?? [SERVER_BIN]) {
      const label = `gocacheprog embedded (${basename(bin)})`;
      const { target, server } = await startOurs(bin, scratch, label);
      targets.push(target);
      stops.push(() => stopProcess(server.child));
    }
    if (!values["no-reference"]) {
      const reference = await startReference(scratch, ENTRIES, SIZE);
      targets.push(reference.target);
      stops.push(reference.stop);
    }
    const samples: HitSample[] = [];
    for (let rep = 1; rep <= reps; rep++) {
      for (const target of targets) {
        for (const generator of generators) {
          const s = await measureHit(target, generator, { loadgen, scratch, seconds, connections, test: "hit 1 MiB" });
          samples.push(s);
          log(
            `rep ${rep} ${target.label.padEnd(40)} ${generator.padEnd(10)} ${Math.round(s.requestsPerSec).toString().padStart(6)} req/s  p50 ${s.p50Ms} ms  p99 ${s.p99Ms} ms  server CPU ${s.serverCpuMsPerRequest.toFixed(2)} ms/req  non2xx ${s.non2xx} errors ${s.errors}`,
          );
        }
      }
    }
    log(`\nmedians of ${reps} interleaved runs, ${connections} connections, ${seconds} s each:`);
    log("| server | generator | requests/s | p50 | p99 | server CPU per request |");
    log("|---|---|---|---|---|---|");
    for (const target of targets) {
      for (const generator of generators) {
        const mine = samples.filter((s) => s.target === target.label && s.generator === generator);
        const m = (f: (s: HitSample) => number) => median(mine.map(f));
        log(
          `| ${target.label} | ${generator} | ${Math.round(m((s) => s.requestsPerSec))} | ${m((s) => s.p50Ms)} ms | ${m((s) => s.p99Ms)} ms | ${m((s) => s.serverCpuMsPerRequest).toFixed(2)} ms |`,
        );
      }
    }
  } finally {
    for (const stop of stops) await stop().catch(() => {});
    await scratch.dispose();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:hit failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
