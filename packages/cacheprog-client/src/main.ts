import { resolve } from "node:path";
import { ConfigError, renderHelp } from "@gocacheprog/common";
import packageJson from "../package.json";
import { openBackend } from "./backends.ts";
import { clientOptionDefs, parseClientOptions, USAGE } from "./config.ts";
import { createLogger } from "./log.ts";
import { defaultCacheDir } from "./paths.ts";
import { serve } from "./protocol.ts";
import { formatStatsLine, Stats, writeStatsFile } from "./stats.ts";
import { ProtocolError } from "./wire.ts";

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseClientOptions>;
  try {
    parsed = parseClientOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`gocacheprog: ${err.message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(renderHelp(USAGE, clientOptionDefs));
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`gocacheprog ${packageJson.version}\n`);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    process.stderr.write(`gocacheprog: unexpected argument ${JSON.stringify(parsed.positionals[0])} (see --help)\n`);
    return 2;
  }
  const options = parsed.values;
  const log = createLogger(options.log);
  const dir = resolve(options.dir ?? defaultCacheDir(process.env));
  const stats = new Stats();

  let reported = false;
  const report = async () => {
    if (reported) return;
    reported = true;
    const summary = stats.toJSON();
    if (options.stats) process.stderr.write(formatStatsLine(summary));
    if (options.statsFile) {
      await writeStatsFile(resolve(options.statsFile), summary).catch((err: Error) => log.warn(`writing stats file: ${err.message}`));
    }
  };

  let code = 0;
  try {
    const reason = await serve({
      input: process.stdin,
      output: process.stdout,
      openBackend: () => openBackend(options, dir, log, stats),
      stats,
      log,
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

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`gocacheprog: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
