import { goEnv } from "./gobuild.ts";
import { removeDir, type Scratch } from "./paths.ts";
import { measureHandshake } from "./seed.ts";
import { type Summary, seconds, summarize } from "./summary.ts";
import type { RemoteSystem } from "./systems.ts";

export interface HandshakeResult {
  system: string;
  ms?: Summary;
  error?: string;
}

/**
 * Spawn to the first stdout line (the capability handshake), the fixed cost of every go process,
 * with the server up and a fresh client directory each time, as in a fresh container.
 */
export async function measureHandshakes(
  systems: RemoteSystem[],
  samples: number,
  scratch: Scratch,
  log: (line: string) => void,
): Promise<HandshakeResult[]> {
  const results: HandshakeResult[] = [];
  for (const system of systems) {
    const times: number[] = [];
    try {
      await system.start(scratch, "handshake");
      for (let i = 0; i < samples; i++) {
        const clientDir = await scratch.dir("hs-client");
        const gocache = await scratch.dir("hs-gocache");
        const prog = system.client(clientDir, system.port(), scratch.file(`hs-stats-${i}.json`));
        times.push(await measureHandshake(prog, goEnv(gocache, undefined, undefined)));
        await removeDir(clientDir);
        await removeDir(gocache);
      }
      const ms = summarize(times)!;
      results.push({ system: system.id, ms });
      log(`handshake ${system.id.padEnd(22)} median ${seconds(ms.median)} (min ${seconds(ms.min)}, max ${seconds(ms.max)}, n=${ms.n})`);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      results.push({ system: system.id, error });
      log(`handshake ${system.id} FAILED: ${error}`);
    } finally {
      await system.stop().catch(() => {});
    }
  }
  return results;
}
