import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { packForUpload } from "../../packages/cacheprog-client/src/remote/zstd-bodies.ts";
import { CacheProgDriver, withConcurrency } from "./cacheprog-driver.ts";
import type { CacheProg } from "./gobuild.ts";

export interface GoCacheEntry {
  actionHex: string;
  outputHex: string;
  size: number;
  outputFile: string;
}

/**
 * Entries of a plain GOCACHE that go filled during a cold build. Its action files read
 * "v1 <action> <output> <size> <time>", and outputs sit at <2 hex>/<output>-d. The keys are the
 * ones go asks a GOCACHEPROG child for, since cache keys do not depend on the cache behind them.
 */
export async function readGoCache(gocache: string): Promise<GoCacheEntry[]> {
  const entries: GoCacheEntry[] = [];
  for (let i = 0; i < 256; i++) {
    const sub = join(gocache, i.toString(16).padStart(2, "0"));
    const names = await readdir(sub).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith("-a")) continue;
      const fields = (await readFile(join(sub, name), "latin1")).trim().split(/\s+/);
      const [version, actionHex, outputHex, size] = fields;
      if (version !== "v1" || !actionHex || !outputHex || size === undefined) continue;
      entries.push({ actionHex, outputHex, size: Number(size), outputFile: join(gocache, outputHex.slice(0, 2), `${outputHex}-d`) });
    }
  }
  return entries;
}

export interface SeedResult {
  entries: number;
  bytes: number;
  ms: number;
  clientStderr: string;
}

/**
 * Fills a remote cache through its own client, as a cold build would, without compiling again:
 * every system under test is seeded with the same entries at I/O cost instead of a compile.
 */
export async function seedThroughClient(prog: CacheProg, env: NodeJS.ProcessEnv, entries: readonly GoCacheEntry[]): Promise<SeedResult> {
  const started = performance.now();
  const driver = await CacheProgDriver.start(prog, env);
  let bytes = 0;
  let sent = 0;
  try {
    await withConcurrency(entries, 16, async (entry) => {
      const body = entry.size === 0 ? Buffer.alloc(0) : await readFile(entry.outputFile).catch(() => undefined);
      if (!body || body.length !== entry.size) return;
      await driver.put(entry.actionHex, entry.outputHex, body);
      bytes += body.length;
      sent++;
    });
  } catch (err) {
    driver.kill();
    throw err;
  }
  const clientStderr = await driver.close();
  return { entries: sent, bytes, ms: performance.now() - started, clientStderr };
}

/**
 * Fills our server straight through its HTTP API. Our client queues uploads behind a bounded queue
 * and may drop some of a burst of puts no build produces; the store must be complete to measure
 * remote-warm builds, and this keeps the fill independent of that policy. Bodies go in the zstd form
 * where our client would send them so (same thresholds), so the store holds what a cold build leaves;
 * with `compress` false all go raw, as from a client with --compression off.
 */
export async function seedOverHttp(baseUrl: string, entries: readonly GoCacheEntry[], compress = true): Promise<SeedResult> {
  const started = performance.now();
  let bytes = 0;
  let sent = 0;
  await withConcurrency(entries, 8, async (entry) => {
    const body = entry.size === 0 ? Buffer.alloc(0) : await readFile(entry.outputFile).catch(() => undefined);
    if (!body || body.length !== entry.size) return;
    const packed = compress ? await packForUpload(entry.outputFile, entry.size) : null;
    const zstd: Record<string, string> = packed ? { "content-encoding": "zstd", "x-gocacheprog-output-size": String(entry.size) } : {};
    const response = await fetch(`${baseUrl}/v1/actions/${entry.actionHex}`, {
      method: "PUT",
      headers: { "x-gocacheprog-output-id": entry.outputHex, "content-type": "application/octet-stream", ...zstd },
      body: new Uint8Array(packed ? Buffer.concat(packed) : body),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`seeding PUT answered ${response.status}: ${text.slice(0, 200)}`);
    bytes += body.length;
    sent++;
  });
  return { entries: sent, bytes, ms: performance.now() - started, clientStderr: "" };
}

/** Spawn to first stdout line, then close; the start-up cost every go invocation pays. */
export async function measureHandshake(prog: CacheProg, env: NodeJS.ProcessEnv): Promise<number> {
  const driver = await CacheProgDriver.start(prog, env);
  await driver.close();
  return driver.handshakeMs;
}
