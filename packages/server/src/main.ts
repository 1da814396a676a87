import { ConfigError } from "@gocacheprog/common";
import packageJson from "../package.json";
import { runGc } from "./cache/gc.ts";
import { rebuildIndex } from "./cache/records.ts";
import { helpText, parseCommandLine, type ServerOptions } from "./ops/config.ts";
import { createLogger, flushLogs, type Logger } from "./ops/logger.ts";
import { gcOptions, loadAuth, openStorage } from "./ops/wiring.ts";
import { startServer } from "./server.ts";
import { printStatus } from "./status/cli.ts";

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`gocacheprog-server: ${err.message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`gocacheprog-server ${packageJson.version}\n`);
    return 0;
  }
  const logger = createLogger(parsed.options.logLevel);
  for (const warning of parsed.warnings) logger.warn(warning);
  try {
    if (parsed.command === "serve") return await serveUntilSignalled(parsed.options, logger);
    if (parsed.command === "status") return await printStatus(parsed.options, (text) => process.stdout.write(text));
    return await runOnce(parsed.command, parsed.options, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gocacheprog-server: ${err.message}\n`);
      return 2;
    }
    logger.fatal({ err }, "gocacheprog-server failed");
    return 1;
  }
}

async function serveUntilSignalled(options: ServerOptions, logger: Logger): Promise<number> {
  const server = await startServer(options, logger);
  // SIGHUP reloads the tokens (and claim rules) in place; requests keep being served meanwhile.
  process.on("SIGHUP", () => void server.reloadTokens());
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  logger.info({ signal }, "signal received");
  // A second signal means "now": skip the graceful wait.
  const force = () => flushLogs(500).finally(() => process.exit(130));
  process.once("SIGTERM", force);
  process.once("SIGINT", force);
  await server.close();
  return 0;
}

async function runOnce(command: "gc" | "rebuild-index", options: ServerOptions, logger: Logger): Promise<number> {
  const { blobs, index } = await openStorage(options, logger);
  try {
    if (command === "gc") {
      const { auth } = await loadAuth(options, logger);
      const report = await runGc({ blobs, index, logger }, gcOptions(options, auth.budgets));
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const result = await rebuildIndex(blobs, index);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      // An operator asked for this rebuild: one skipped for another pass must not look done (EX_TEMPFAIL).
      if (result.busy) {
        logger.warn(result, "index not rebuilt: another process is running gc or a rebuild on this store; run it again later");
        return 75;
      }
      logger.info(result, "index rebuilt");
    }
    return 0;
  } finally {
    await Promise.allSettled([index.close(), blobs.close()]);
  }
}

main().then(
  (code) => flushLogs(2000).finally(() => process.exit(code)),
  (err) => {
    process.stderr.write(`gocacheprog-server: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
