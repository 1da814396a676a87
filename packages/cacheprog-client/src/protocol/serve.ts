import type { Writable } from "node:stream";
import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import type { CacheTier } from "../tier.ts";
import { readRequests } from "./reader.ts";
import { encodeHandshake, encodeResponse, type Request, type Response } from "./wire.ts";
import { ResponseWriter } from "./writer.ts";

export interface ServeOptions {
  input: AsyncIterable<Buffer | string>;
  output: Writable;
  /** Opened after the handshake is out, so a slow tier (a lazily loaded remote) never delays go. */
  openTiers: () => Promise<CacheTier>;
  stats: Stats;
  log: Logger;
  /**
   * Runs once all work is done and before go hears so (close reply, end of stdout): go returns as
   * soon as stdout closes, so a stats file written here is complete when the go command exits.
   */
  beforeDone?: () => Promise<void>;
}

/** How the session ended: go sent `close`, or stdin hit EOF (go list, go env never send close). */
export type EndReason = "close" | "eof";

/**
 * Runs one cacheprog session: handshake, then every request handled concurrently and answered
 * exactly once, in whatever order they finish. Rejects with ProtocolError on a broken stream,
 * but only after every request already accepted has finished, so no write is left half done.
 */
export async function serve(options: ServeOptions): Promise<EndReason> {
  const { stats, log } = options;
  const writer = new ResponseWriter(options.output);
  writer.send(encodeHandshake());
  const cacheReady = options.openTiers();
  // Reported once here; every request then gets an Err, which go treats as a miss or ignores.
  cacheReady.catch((err: Error) => log.error(`cannot open the cache: ${err.message}`));
  const inFlight = new Set<Promise<void>>();
  const settle = () => Promise.allSettled([...inFlight]);
  let closeId: number | undefined;

  try {
    for await (const request of readRequests(options.input)) {
      if (request.command === "close") {
        closeId = request.id;
        break;
      }
      const task = answer(request, cacheReady, stats, log).then((response) => writer.send(encodeResponse(response)));
      // answer() never rejects (failures become Err responses), so neither does task.
      inFlight.add(task);
      task.finally(() => inFlight.delete(task));
    }
  } catch (err) {
    await settle();
    throw err;
  }

  await settle();
  try {
    await (await cacheReady).close();
  } catch (err) {
    // An Err on close fails the go command ("failed to trim cache"): housekeeping is not worth that.
    log.warn(`closing the cache: ${(err as Error).message}`);
  }
  await options.beforeDone?.();
  if (closeId !== undefined) writer.send(encodeResponse({ id: closeId }));
  await writer.end();
  return closeId !== undefined ? "close" : "eof";
}

async function answer(request: Request, cacheReady: Promise<CacheTier>, stats: Stats, log: Logger): Promise<Response> {
  const started = performance.now();
  try {
    return await dispatch(request, await cacheReady, stats, log);
  } catch (err) {
    return failed(request, (err as Error).message, stats, log);
  } finally {
    stats.handlingMs += performance.now() - started;
  }
}

async function dispatch(request: Request, cache: CacheTier, stats: Stats, log: Logger): Promise<Response> {
  const { id, command, actionId, outputId } = request;
  if (command === "get") stats.gets++;
  if (command === "put") stats.puts++;
  if (request.problem !== undefined) return failed(request, request.problem, stats, log);

  if (command === "get") {
    if (!actionId) return failed(request, "get without ActionID", stats, log);
    const result = await cache.get(actionId);
    if (log.enabled("debug")) log.debug(`get ${actionId.toString("hex")}: ${result.hit ? `hit (${result.source})` : "miss"}`);
    if (!result.hit) {
      stats.misses++;
      return { id, miss: true };
    }
    stats.recordHit(result.source, result.size);
    return { id, outputId: result.outputId, size: result.size, putTime: result.putTime, diskPath: result.diskPath };
  }

  if (command === "put") {
    if (!actionId || !outputId) return failed(request, "put needs both ActionID and OutputID", stats, log);
    const { diskPath } = await cache.put(actionId, outputId, request.body);
    if (log.enabled("debug")) log.debug(`put ${actionId.toString("hex")}: ${request.body.length} bytes`);
    stats.putBytes += request.body.length;
    return { id, diskPath };
  }

  return failed(request, `unknown command ${JSON.stringify(command)}`, stats, log);
}

function failed(request: Request, message: string, stats: Stats, log: Logger): Response {
  if (request.command === "get") stats.getErrors++;
  if (request.command === "put") stats.putErrors++;
  log.warn(`request ${request.id} (${request.command || "no command"}): ${message}`);
  return { id: request.id, err: message };
}
