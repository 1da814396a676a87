import { resolve } from "node:path";
import { ConfigError, renderHelp } from "@gocacheprog/common";
import { defaultCacheDir } from "../local/paths.ts";
import { clientOptionDefs, parseClientOptions } from "../ops/config.ts";
import { createLogger } from "../ops/log.ts";
import { Stats } from "../ops/stats.ts";
import { openLocalTier } from "../session.ts";
import { buildKey } from "./build-key.ts";
import { connectRemote } from "./open.ts";
import { WarmStart } from "./warm.ts";

type Env = Readonly<Record<string, string | undefined>>;

const WARM_USAGE = `gocacheprog warm: fill the local directory from a build key's manifest before go runs

Usage: gocacheprog warm [options]      (same options and environment as the go session; --key is required)

Streams every entry the key's recent builds used into --dir, in one request, and exits; the go commands
that follow (same --dir and --key) find them locally. Run it beside what else a fresh runner does
first, e.g. \`gocacheprog warm & go mod download; wait\`: go starts its cache child only once the
modules are there, so a session's own warm start cannot overlap the download. Best effort: a server
that is down, slow or has no manifest for the key is a line on stderr and exit code 0.`;

/**
 * \`gocacheprog warm\`: the session's warm start (remote/warm.ts) on its own, without go. The build key
 * must be given: the automatic one is derived from the go command that starts the session, which a
 * standalone run does not have. No manifest is uploaded (that is the sessions' job).
 */
export async function runWarm(argv: readonly string[], env: Env): Promise<number> {
  let parsed: ReturnType<typeof parseClientOptions>;
  try {
    parsed = parseClientOptions(argv, env);
    if (parsed.positionals.length > 0) throw new ConfigError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
    if (!parsed.help && !parsed.values.key) {
      throw new ConfigError("warm needs the build key the go commands will use: --key or GOCACHEPROG_KEY");
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`gocacheprog warm: ${err.message} (see gocacheprog warm --help)\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(renderHelp(WARM_USAGE, clientOptionDefs));
    return 0;
  }
  const options = parsed.values;
  const log = createLogger(options.log);
  if (!options.url || !options.warmStart) {
    process.stderr.write(
      `gocacheprog warm: ${options.url ? "warm start is off (--no-warm-start)" : "no server (--url, GOCACHEPROG_URL)"}; nothing to do\n`,
    );
    return 0;
  }
  const dir = resolve(options.dir ?? defaultCacheDir(env));
  const started = performance.now();
  const local = openLocalTier(options, dir, log);
  const connected = await connectRemote(options, log);
  const stats = new Stats();
  let predicted = 0;
  let note = " (no manifest for this key, or no server)";
  if (connected) {
    const warm = new WarmStart(local, connected.client, stats, log, {
      buildKey: buildKey({ override: options.key, env, cwd: process.cwd() }),
      maxBytes: options.prefetchMaxBytes,
      timeoutMs: options.prefetchTimeout,
      waitMs: options.remoteTimeout,
      uploadManifest: false,
    });
    warm.start();
    await warm.settled();
    predicted = warm.predictedEntries;
    if (warm.localAlready) note = " (the directory already holds them)";
    else if (predicted > 0) note = "";
    await connected.client.close();
  }
  await local.close();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const mb = (stats.warmBytes / 1e6).toFixed(1);
  process.stderr.write(`gocacheprog warm: ${stats.warmEntries} of ${predicted} entries (${mb} MB) into ${dir} in ${seconds} s${note}\n`);
  return 0;
}
