import "./ops/v8-flags.ts";
import { closeSync } from "node:fs";
import { ConfigError, renderHelp, shownArguments } from "@gocacheprog/common";
import packageJson from "../package.json";
import { clientOptionDefs, parseClientOptions, USAGE } from "./ops/config.ts";
import { runSession } from "./session.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** A subcommand gets the arguments after its name and resolves with the process exit code. */
type Subcommand = (argv: readonly string[], env: Env) => Promise<number>;

/**
 * `gocacheprog <name> ...` runs one of these; without a known name the bin is go's cache child
 * (flags only, protocol on stdin/stdout). Subcommands load nothing a go session needs at start-up.
 */
const subcommands: Record<string, Subcommand> = {
  "canonicalize-mtimes": async (argv) => (await import("./ops/mtimes.ts")).runCanonicalizeMtimes(argv),
  summary: async (argv, env) => (await import("./ops/summary.ts")).runSummary(argv, env),
  goauth: async (argv, env) => (await import("./remote/goauth.ts")).runGoauth(argv, env),
  warm: async (argv, env) => (await import("./remote/warm-command.ts")).runWarm(argv, env),
};

async function main(argv: readonly string[], env: Env): Promise<number> {
  const name = argv[0];
  const subcommand = name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (subcommand) return subcommand(argv.slice(1), env);

  let parsed: ReturnType<typeof parseClientOptions>;
  try {
    parsed = parseClientOptions(argv, env);
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
    process.stderr.write(`gocacheprog: unexpected argument ${shownArguments(parsed.positionals)} (see --help)\n`);
    return 2;
  }
  const code = await runSession(parsed.values, parsed.warnings);
  letGoOfStdio();
  return code;
}

/**
 * A session has said all it has to say: its stdout and stderr close before process.exit. go waits
 * for the EOF on stdout, and whoever captures go's output (a CI step, a test) for every writer of that
 * pipe to close; a client then stuck in Node's own exit (ops/v8-flags.ts) holds up none of them.
 */
function letGoOfStdio(): void {
  for (const fd of [1, 2]) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing holds it.
    }
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`gocacheprog: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
