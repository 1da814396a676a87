import { existsSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { clientDirFrom } from "./local/paths.ts";
import { DiskTier } from "./local/tier.ts";
import type { ClientOptions } from "./ops/config.ts";
import { writeStderr } from "./ops/fd-write.ts";
import { createLogger, type Logger } from "./ops/log.ts";
import { formatStatsLine, Stats } from "./ops/stats.ts";
import { stdioBlocking } from "./protocol/blocking.ts";
import { type ServeOptions, serve } from "./protocol/serve.ts";
import { ProtocolError } from "./protocol/wire.ts";
import type { CacheTier } from "./tier.ts";

/** Builds the tier stack for one process: always the local tier, wrapped by the remote tier when configured. */
export async function openTiers(
  options: ClientOptions,
  local: DiskTier,
  log: Logger,
  stats: Stats,
  atEnd: (() => Promise<void>)[] = [],
  earlierHits: Buffer[] = [],
): Promise<CacheTier> {
  if (!options.url) return local;
  // Dynamic import: esbuild keeps the remote tier (its HTTP client, node:http and node:https) in a
  // lazily initialised wrapper, so a local-only run never evaluates it.
  const { openRemoteTier } = await import("./remote/open.ts");
  return openRemoteTier(local, options, log, stats, atEnd, earlierHits);
}

/** The client directory: --dir, else the default under the user's cache directory. */
export function clientDir(options: ClientOptions): string {
  return clientDirFrom(options.dir, process.env);
}

export function openLocalTier(options: ClientOptions, dir: string, log: Logger): DiskTier {
  return new DiskTier({
    dir,
    log,
    trim: { maxAgeMs: options.maxAge, maxSizeBytes: options.maxSize, intervalMs: options.trimInterval },
  });
}

/**
 * How the session starts (protocol/blocking.ts): blocking on go's pipes, answering local hits with no
 * event loop, and with a server configured, handing over to the remote tier at the first request the
 * local tier cannot answer alone (a session of local hits never opens it). A local tier that does not
 * exist yet (a fresh runner) can answer nothing: the remote tier opens at once, and with it the
 * warm-start prefetch, before go's first request.
 */
function blockingStart(options: ClientOptions, local: DiskTier): ServeOptions["blocking"] {
  if (!options.url) return { tier: local, io: stdioBlocking(), handOver: false };
  if (!existsSync(local.dir)) return undefined;
  return { tier: local, io: stdioBlocking(), handOver: true };
}

/**
 * The handshake straight to fd 1, before process.stdout exists (see ServeOptions.streams). go's pipe is
 * empty then, so the ~50 bytes go out whole; any failure leaves the stream to try (and report) it.
 * The bin's launcher (scripts/build.mjs) sends it before this bundle loads when it can: then it is out.
 */
function writeEarly(text: string): number {
  if ((globalThis as { gocacheprogHandshakeSent?: string }).gocacheprogHandshakeSent === text) return text.length;
  try {
    return writeSync(1, text);
  } catch {
    return 0;
  }
}

/**
 * One go session, what the bin does when run without a subcommand: cacheprog protocol on
 * stdin/stdout over the tier stack, then the exit report. Resolves with the process exit code.
 */
export async function runSession(options: ClientOptions, configWarnings: readonly string[] = []): Promise<number> {
  // Ctrl-C and Ctrl-\ reach the whole process group. `go run` and `go test` ignore them, wait for the
  // program they run, then still put test results and close: a client killed by the signal failed
  // the go command ("GOCACHEPROG exited pre-Close"). The session ends as always, at close or EOF.
  for (const signal of ["SIGINT", "SIGQUIT"] as const) process.on(signal, () => {});
  const log = createLogger(options.log);
  for (const warning of configWarnings) log.warn(warning);
  const dir = clientDir(options);
  const stats = new Stats();
  /**
   * Work for the end of the session that needs go's answers only (the server's session report): it
   * starts as the tiers close, beside the last uploads' drain, not one round trip after it.
   */
  const atEnd: (() => Promise<void>)[] = [];
  let endWork: Promise<unknown> | undefined;
  const startEndWork = () => {
    endWork ??= Promise.allSettled(atEnd.map((run) => run()));
    return endWork;
  };
  let reported = false;
  const report = async () => {
    if (reported) return;
    reported = true;
    await startEndWork();
    const summary = stats.toJSON();
    if (options.stats) writeStderr(formatStatsLine(summary));
    if (options.statsFile) {
      // One line per go command: a CI job's commands all land in its stats file (gocacheprog summary).
      // Loaded here, at exit: node:fs/promises is not worth paying for at start-up.
      const { appendStatsRecord, parentGoCommand } = await import("./ops/job-stats.ts");
      const record = { ...summary, at: new Date().toISOString(), command: parentGoCommand() };
      await appendStatsRecord(resolve(options.statsFile), record).catch((err: Error) => log.warn(`writing stats file: ${err.message}`));
    }
  };

  let code = 0;
  try {
    const local = openLocalTier(options, dir, log);
    const reason = await serve({
      streams: () => ({ input: process.stdin, output: process.stdout }),
      writeEarly,
      openTiers: (earlierHits) => openTiers(options, local, log, stats, atEnd, earlierHits),
      blocking: blockingStart(options, local),
      spool: (actionId, outputId, size) => local.ingest(actionId, outputId, size, new Date()),
      stats,
      log,
      closing: () => void startEndWork(),
      beforeDone: report,
    });
    log.debug(`session ended by ${reason}`);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    log.error(`invalid input from go on stdin, stopping: ${err.message}`);
    code = 1;
  }

  // A broken input stream ends the session without beforeDone; the numbers still matter.
  await report();
  return code;
}
