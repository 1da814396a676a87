import type { Readable, Writable } from "node:stream";
import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import type { CacheTier, Hit, ImmediateTier, Miss, PutResult } from "../tier.ts";
import { type BlockingIo, serveBlocking } from "./blocking.ts";
import { RequestScanner, type SpoolOpener } from "./reader.ts";
import { encodeHandshake, encodeResponse, type Request, type Response } from "./wire.ts";
import { ResponseWriter } from "./writer.ts";

export interface ServeOptions {
  /**
   * Made after the handshake is out: for pipes, process.stdin and process.stdout load and set up
   * node:net's machinery, which go (blocked until the handshake) need not wait for.
   */
  streams: () => { input: Readable; output: Writable };
  /**
   * Writes the handshake at once, before the streams exist, and returns how many characters went
   * out (0 when it could not); the rest goes through the output stream.
   */
  writeEarly?: (text: string) => number;
  /**
   * Opened after the handshake is out, so a slow tier (a lazily loaded remote) never delays go.
   * `earlierHits`: the ActionIDs the blocking start answered as local hits before it handed over (the
   * remote tier records them in this session's warm-start manifest, as it would its own hits).
   */
  openTiers: (earlierHits: Buffer[]) => Promise<CacheTier>;
  /**
   * A tier that answers at once (the local tier) and go's pipes as blocking I/O: the session starts
   * outside the event loop (protocol/blocking.ts), and `streams` is made only if it has to go on there.
   * With `handOver`, only hits are answered so: the first request that needs more (a miss, a put)
   * opens the tiers (openTiers, around this same local tier) and the session goes on in the event loop.
   * Without, `tier` is the whole cache.
   */
  blocking?: { tier: ImmediateTier; io: BlockingIo; handOver: boolean };
  /** Where put bodies too large to hold are written as they arrive (protocol/spool.ts); absent = held. */
  spool?: SpoolOpener;
  stats: Stats;
  log: Logger;
  /**
   * Called once every request is answered, as the session starts closing its tiers (which may take
   * a while: the last uploads drain): work that needs no more than the answers can run meanwhile.
   */
  closing?: () => void;
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
 * but only after every request already accepted has finished, so no write is left half done, and
 * the tiers have closed (their queued uploads drained).
 *
 * Input is taken chunk by chunk from 'data' events, not through an async iterator: a get the tier
 * can answer at once (CacheTier.getNow: a local hit) is answered inside the same event, with no
 * promise, and every answer produced by one chunk leaves in one stdout write (ResponseWriter).
 */
export async function serve(options: ServeOptions): Promise<EndReason> {
  const { stats, log } = options;
  const handshake = encodeHandshake();
  const early = options.writeEarly?.(handshake) ?? 0;
  const scanner = new RequestScanner(options.spool);
  let unsent = handshake.slice(early);
  /** Requests read by the blocking loop and left for the event loop. */
  let pending: Request[] = [];
  let cacheReady: Promise<CacheTier> | undefined;
  const earlierHits: Buffer[] = [];
  if (options.blocking) {
    const { tier, io, handOver } = options.blocking;
    if (unsent) io.write(unsent);
    unsent = "";
    const outcome = serveBlocking(io, scanner, (request) => {
      if (!handOver) return encodeResponse(answerAtOnce(request, tier, stats, log));
      const response = answerNow(request, tier, stats, log, true);
      if (response === undefined) return undefined;
      earlierHits.push(request.actionId as Buffer);
      return encodeResponse(response);
    });
    if (outcome.end === "close" || outcome.end === "eof") {
      await closeCache(Promise.resolve(tier), log);
      await options.beforeDone?.();
      if (outcome.end === "close") io.write(encodeResponse({ id: outcome.closeId }));
      return outcome.end;
    }
    pending = outcome.pending;
    if (!handOver) cacheReady = Promise.resolve(tier);
  }
  const { input, output } = options.streams();
  const writer = new ResponseWriter(output);
  if (unsent) writer.send(unsent);
  cacheReady ??= options.openTiers(earlierHits);
  /** Set once the tiers are open: from then on, requests skip the wait for cacheReady. */
  let cache: CacheTier | undefined;
  cacheReady.then(
    (opened) => {
      cache = opened;
    },
    // Reported once here; every request then gets an Err, which go treats as a miss or ignores.
    (err: Error) => log.error(`cannot open the cache: ${err.message}`),
  );
  const inFlight = new Set<Promise<void>>();
  const settle = () => Promise.allSettled([...inFlight]);
  let closeId: number | undefined;

  const handle = (request: Request): void => {
    const now = cache !== undefined ? answerNow(request, cache, stats, log, false) : undefined;
    if (now !== undefined) {
      writer.send(encodeResponse(now));
      return;
    }
    const task = answer(request, cacheReady, stats, log).then((response) => writer.send(encodeResponse(response)));
    // answer() never rejects (failures become Err responses), so neither does task.
    inFlight.add(task);
    task.finally(() => inFlight.delete(task));
  };

  // Resolves when reading stops: close seen, or EOF; rejects on a broken stream.
  const reading = new Promise<void>((resolve, reject) => {
    const stop = (err?: unknown) => {
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("error", onError);
      input.pause();
      if (err === undefined) resolve();
      else reject(err);
    };
    /** Handles requests in stream order; false once the close is among them (reading stops). */
    const take = (requests: Request[]): boolean => {
      for (const request of requests) {
        if (request.command === "close") {
          closeId = request.id;
          stop();
          return false;
        }
        handle(request);
      }
      return true;
    };
    const onData = (chunk: Buffer | string) => {
      try {
        take(scanner.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
      } catch (err) {
        stop(err);
      }
    };
    const onEnd = () => {
      try {
        scanner.end();
        stop();
      } catch (err) {
        stop(err);
      }
    };
    const onError = (err: Error) => stop(err);
    if (!take(pending)) return;
    input.on("data", onData);
    input.on("end", onEnd);
    input.on("error", onError);
  });

  try {
    await reading;
  } catch (err) {
    scanner.abort();
    await settle();
    // The puts answered so far are stored and go relies on them; their uploads (write-behind) still
    // drain. Mostly go died mid-write (killed while sending a body): no one waits for us then.
    await closeCache(cacheReady, log);
    throw err;
  }

  await settle();
  options.closing?.();
  await closeCache(cacheReady, log);
  await options.beforeDone?.();
  if (closeId !== undefined) writer.send(encodeResponse({ id: closeId }));
  await writer.end();
  return closeId !== undefined ? "close" : "eof";
}

async function closeCache(cacheReady: Promise<CacheTier>, log: Logger): Promise<void> {
  try {
    await (await cacheReady).close();
  } catch (err) {
    // An Err on close fails the go command ("failed to trim cache"): housekeeping is not worth that.
    log.warn(`closing the cache: ${(err as Error).message}`);
  }
}

/**
 * A get the tier answers at once (CacheTier.getNow), or undefined to leave it to the path behind.
 * `hitsOnly` (the blocking start, before the hand-over): only a hit is answered here; a miss or a
 * failure goes on to the tiers behind, which look again and report it. Otherwise a miss is
 * answered too, and a failure becomes an Err.
 */
function answerNow(request: Request, tier: CacheTier, stats: Stats, log: Logger, hitsOnly: boolean): Response | undefined {
  if (request.command !== "get" || tier.getNow === undefined || request.actionId === undefined || request.problem !== undefined) {
    return undefined;
  }
  const started = performance.now();
  let result: Hit | Miss | undefined;
  try {
    result = tier.getNow(request.actionId);
  } catch (err) {
    stats.handlingMs += performance.now() - started;
    if (hitsOnly) return undefined;
    stats.gets++;
    return failed(request, (err as Error).message, stats, log);
  }
  if (result === undefined || (hitsOnly && !result.hit)) {
    // The look was work done for go even when another path answers: handlingMs counts it either way.
    stats.handlingMs += performance.now() - started;
    return undefined;
  }
  stats.gets++;
  const response = getResponse(request, result, stats, log);
  stats.handlingMs += performance.now() - started;
  return response;
}

/** Any request, answered by a tier that never waits (the blocking loop's only path). */
function answerAtOnce(request: Request, tier: ImmediateTier, stats: Stats, log: Logger): Response {
  const started = performance.now();
  try {
    const refused = refusal(request, stats, log);
    if (refused) return refused;
    const { actionId, outputId } = request;
    if (request.command === "get") return getResponse(request, tier.getNow(actionId as Buffer), stats, log);
    return putResponse(request, tier.putNow(actionId as Buffer, outputId as Buffer, request.spooled ?? request.body), stats, log);
  } catch (err) {
    return failed(request, (err as Error).message, stats, log);
  } finally {
    stats.handlingMs += performance.now() - started;
  }
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
  const refused = refusal(request, stats, log);
  if (refused) return refused;
  const { actionId, outputId } = request;
  if (request.command === "get") return getResponse(request, await cache.get(actionId as Buffer), stats, log);
  return putResponse(request, await cache.put(actionId as Buffer, outputId as Buffer, request.spooled ?? request.body), stats, log);
}

/** Counts the request; the answer to one no tier should see (bad fields, unknown command), else undefined. */
function refusal(request: Request, stats: Stats, log: Logger): Response | undefined {
  const { command, actionId, outputId } = request;
  if (command === "get") stats.gets++;
  if (command === "put") stats.puts++;
  if (request.problem !== undefined) return failed(request, request.problem, stats, log);
  if (command === "get") return actionId ? undefined : failed(request, "get without ActionID", stats, log);
  if (command === "put") {
    return actionId && outputId ? undefined : failed(request, "put needs both ActionID and OutputID", stats, log);
  }
  return failed(request, `unknown command ${JSON.stringify(command)}`, stats, log);
}

function putResponse(request: Request, { diskPath }: PutResult, stats: Stats, log: Logger): Response {
  if (log.enabled("debug")) log.debug(`put ${request.actionId?.toString("hex")}: ${request.bodySize} bytes`);
  stats.putBytes += request.bodySize;
  return { id: request.id, diskPath };
}

/** The answer to a get that reached a tier; `gets` is already counted. */
function getResponse(request: Request, result: Hit | Miss, stats: Stats, log: Logger): Response {
  const { id, actionId } = request;
  if (log.enabled("debug")) log.debug(`get ${actionId?.toString("hex")}: ${result.hit ? `hit (${result.source})` : "miss"}`);
  if (!result.hit) {
    stats.misses++;
    return { id, miss: true };
  }
  stats.recordHit(result.source, result.size);
  return { id, outputId: result.outputId, size: result.size, putTime: result.putTime, diskPath: result.diskPath };
}

function failed(request: Request, message: string, stats: Stats, log: Logger): Response {
  if (request.command === "get") stats.getErrors++;
  if (request.command === "put") stats.putErrors++;
  // A spooled body not stored (no tier, or the put failed before finishing it) leaves no temp file.
  request.spooled?.abort();
  log.warn(`request ${request.id} (${request.command || "no command"}): ${message}`);
  return { id: request.id, err: message };
}
