import { spawn } from "node:child_process";
import { once } from "node:events";
import { goEnv } from "./gobuild.ts";
import { ourRuntime, removeDir, type Scratch } from "./paths.ts";
import { measureHandshake } from "./seed.ts";
import { type Summary, summarize } from "./summary.ts";
import type { RemoteSystem } from "./systems.ts";

export interface HandshakeResult {
  system: string;
  ms?: Summary;
  error?: string;
}

/** The reference row: the node binary our client runs on, doing nothing but write one line. */
export const BARE_NODE = "bare node";

/**
 * Bare node's line goes out as our handshake does (a writeSync on fd 1, session.ts's writeEarly), so
 * the gap to our row is what our code costs before the handshake, not how the line is written.
 */
const BARE_NODE_SCRIPT = "require('node:fs').writeSync(1, 'x\\n')";

/** Spawn to the first stdout line of a program that prints one and exits; throws unless it exits 0. */
async function firstLineMs(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  const started = performance.now();
  const child = spawn(command!, args, { stdio: ["ignore", "pipe", "pipe"] });
  const closed = once(child, "close");
  const failed = once(child, "error").then(([err]) => {
    throw err;
  });
  failed.catch(() => {});
  await Promise.race([once(child.stdout, "data"), failed]);
  const ms = performance.now() - started;
  const [code] = await closed;
  if (code !== 0) throw new Error(`${argv.join(" ")} exited with ${code}`);
  return ms;
}

/**
 * Spawn to the first stdout line (the capability handshake), the fixed cost of every go process,
 * with the server up and a fresh client directory each time, as in a fresh container. All servers
 * are up at once and the samples go round the systems and bare node in turn (interleaved), so a
 * slow spell of the machine spreads over every row instead of landing on one.
 */
export async function measureHandshakes(
  systems: RemoteSystem[],
  samples: number,
  scratch: Scratch,
  log: (line: string) => void,
): Promise<HandshakeResult[]> {
  const times = new Map<string, number[]>([[BARE_NODE, []], ...systems.map((s): [string, number[]] => [s.id, []])]);
  const errors = new Map<string, string>();
  const fail = (id: string, err: unknown) => {
    const error = err instanceof Error ? err.message : String(err);
    errors.set(id, error);
    log(`handshake ${id} FAILED: ${error}`);
  };
  const started: RemoteSystem[] = [];
  try {
    for (const system of systems) {
      try {
        await system.start(scratch, "handshake");
        started.push(system);
      } catch (err) {
        fail(system.id, err);
      }
    }
    for (let i = 0; i < samples; i++) {
      if (!errors.has(BARE_NODE)) {
        await firstLineMs([ourRuntime.node, "-e", BARE_NODE_SCRIPT]).then(
          (ms) => times.get(BARE_NODE)!.push(ms),
          (err: unknown) => fail(BARE_NODE, err),
        );
      }
      for (const system of started) {
        if (errors.has(system.id)) continue;
        const clientDir = await scratch.dir("hs-client");
        const gocache = await scratch.dir("hs-gocache");
        const prog = system.client(clientDir, system.port(), scratch.file(`hs-stats-${system.id}-${i}.json`));
        await measureHandshake(prog, goEnv(gocache, undefined, undefined)).then(
          (ms) => times.get(system.id)!.push(ms),
          (err: unknown) => fail(system.id, err),
        );
        await removeDir(clientDir);
        await removeDir(gocache);
      }
    }
  } finally {
    for (const system of started) await system.stop().catch(() => {});
  }
  const results: HandshakeResult[] = [];
  for (const [system, values] of times) {
    const error = errors.get(system);
    const ms = summarize(values);
    if (error !== undefined || !ms) {
      results.push({ system, error: error ?? "no samples" });
      continue;
    }
    results.push({ system, ms });
    const at = (v: number) => `${v.toFixed(0)} ms`;
    log(`handshake ${system.padEnd(22)} median ${at(ms.median)} (min ${at(ms.min)}, max ${at(ms.max)}, n=${ms.n})`);
  }
  return results;
}
