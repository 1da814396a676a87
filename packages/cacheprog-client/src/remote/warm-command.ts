import { ConfigError, renderHelp, shownArguments } from "@gocacheprog/common";
import { clientOptionDefs, parseClientOptions } from "../ops/config.ts";
import { createLogger, type Logger } from "../ops/log.ts";
import { Stats } from "../ops/stats.ts";
import { clientDir, openLocalTier } from "../session.ts";
import { buildKey } from "./build-key.ts";
import { connectRemote } from "./open.ts";
import { WarmStart } from "./warm.ts";

type Env = Readonly<Record<string, string | undefined>>;

const WARM_USAGE = `gocacheprog warm: fill the local directory from a build key's manifest before go runs

Usage: gocacheprog warm [options]      (--key or GOCACHEPROG_KEY required)

Streams the entries of the key's recent builds (up to --prefetch-max-bytes) into --dir in one request,
and exits; the go commands that follow (same --dir and --key) find them locally. Run it beside what
else a fresh runner does first, e.g. \`gocacheprog warm & go mod download; wait\`: go starts its cache
child only once the modules are there, so a session's own warm start cannot overlap the download.
It reads the session's options and environment; those about uploads, stats and the session report
do nothing here. Best effort: whatever the server does (down, hung, no manifest for the key) it ends
with one summary line on stderr and exit code 0, within --prefetch-timeout, and a stream that brings
nothing for --remote-timeout is cut. Exit code 2: no key, or options that do not parse.`;

/**
 * `gocacheprog warm`: the session's warm start (remote/warm.ts) on its own, without go. The build key
 * must be given: the automatic one is derived from the go command that starts the session, which a
 * standalone run does not have. No manifest is uploaded (that is the sessions' job).
 */
export async function runWarm(argv: readonly string[], env: Env): Promise<number> {
  let parsed: ReturnType<typeof parseClientOptions>;
  try {
    parsed = parseClientOptions(argv, env);
    if (parsed.positionals.length > 0) throw new ConfigError(`unexpected argument ${shownArguments(parsed.positionals)}`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return usageError(err.message);
  }
  if (parsed.help) {
    process.stdout.write(renderHelp(WARM_USAGE, clientOptionDefs));
    return 0;
  }
  const options = parsed.values;
  const log = createLogger(options.log);
  for (const warning of parsed.warnings) log.warn(warning);
  // No server is a job without the cache's secrets (a fork's pull request), not a mistake.
  if (!options.url || !options.warmStart) {
    process.stderr.write(
      `gocacheprog warm: ${options.url ? "warm start is off (--no-warm-start)" : "no server (--url, GOCACHEPROG_URL)"}; nothing to do\n`,
    );
    return 0;
  }
  if (!options.key) return usageError("warm needs the build key the go commands will use: --key or GOCACHEPROG_KEY");
  const dir = clientDir(options);
  try {
    process.stderr.write(`gocacheprog warm: ${await fill(options, dir, log)}\n`);
  } catch (err) {
    // The local directory (unwritable, not a directory): the build will say so itself; this step must not fail.
    process.stderr.write(`gocacheprog warm: nothing stored in ${dir}: ${(err as Error).message}\n`);
  }
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`gocacheprog warm: ${message} (see gocacheprog warm --help)\n`);
  return 2;
}

/** Streams the key's entries into `dir`; returns the summary line. */
async function fill(options: ReturnType<typeof parseClientOptions>["values"], dir: string, log: Logger): Promise<string> {
  const started = performance.now();
  const local = openLocalTier(options, dir, log);
  const stats = new Stats();
  let predicted = 0;
  let note = " (no server: invalid URL or no token)";
  const connected = await connectRemote(options, log);
  if (connected) {
    const warm = new WarmStart(local, connected.client, stats, log, {
      buildKey: buildKey({ override: options.key, env: process.env, cwd: process.cwd() }),
      maxBytes: options.prefetchMaxBytes,
      timeoutMs: options.prefetchTimeout,
      waitMs: options.remoteTimeout,
      uploadManifest: false,
    });
    warm.start(options.remoteTimeout);
    await warm.settled();
    predicted = warm.predictedEntries;
    if (warm.localAlready) note = " (the directory already holds them)";
    else if (warm.failure) note = ` (prefetch ${warm.failure})`;
    else note = predicted === 0 ? " (the server has no manifest for this key)" : "";
    await connected.client.close();
  }
  await local.close();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  return `${stats.warmEntries} of ${predicted} entries (${(stats.warmBytes / 1e6).toFixed(1)} MB) into ${dir} in ${seconds} s${note}`;
}
