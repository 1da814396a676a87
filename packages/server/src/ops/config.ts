import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError, type OptionDef, type OptionValues, parseOptions, renderHelp, shownArguments, TIMER_MAX } from "@gocacheprog/common";
import { oidcOptionDefs } from "../auth/options.ts";
import { gomodOptionDefs } from "../gomod/options.ts";
import { parseUpstreams } from "../gomod/upstream.ts";
import { httpOptionDefs } from "../http/options.ts";
import { statusOptionDefs } from "../status/options.ts";

/**
 * The server's only configuration schema: flags, GOCACHEPROG_SERVER_* twins, `--help` and the
 * README table all come from this object.
 */
export const serverOptionDefs = {
  listen: {
    flag: "listen",
    env: "GOCACHEPROG_SERVER_LISTEN",
    kind: "string",
    default: "127.0.0.1:8080",
    description: "host:port to serve on. Loopback by default so an unconfigured (open-access) server is not reachable from the network.",
  },
  metricsListen: {
    flag: "metrics-listen",
    env: "GOCACHEPROG_SERVER_METRICS_LISTEN",
    kind: "string",
    description:
      "Serve /metrics on this host:port instead of the cache port, so a network policy can keep clients away from it. Empty = /metrics on --listen.",
  },
  dataDir: {
    flag: "data-dir",
    env: "GOCACHEPROG_SERVER_DATA_DIR",
    kind: "string",
    description:
      "Directory of the embedded default (outputs and the on-disk index). Default: $XDG_DATA_HOME/gocacheprog-server, else ~/.local/share/gocacheprog-server.",
  },
  s3Bucket: {
    flag: "s3-bucket",
    env: "GOCACHEPROG_SERVER_S3_BUCKET",
    kind: "string",
    description: "Store outputs in this S3 bucket instead of --data-dir (switches S3 on). Credentials come from the standard AWS chain.",
  },
  s3Endpoint: {
    flag: "s3-endpoint",
    env: "GOCACHEPROG_SERVER_S3_ENDPOINT",
    kind: "string",
    description: "S3-compatible endpoint URL (MinIO, R2, versitygw, ...). Empty = AWS.",
  },
  s3Region: { flag: "s3-region", env: "GOCACHEPROG_SERVER_S3_REGION", kind: "string", default: "us-east-1", description: "S3 region." },
  s3Prefix: {
    flag: "s3-prefix",
    env: "GOCACHEPROG_SERVER_S3_PREFIX",
    kind: "string",
    default: "",
    description: "Key prefix inside the bucket.",
  },
  s3ForcePathStyle: {
    flag: "s3-force-path-style",
    env: "GOCACHEPROG_SERVER_S3_FORCE_PATH_STYLE",
    kind: "boolean",
    description: "Address the bucket as endpoint/bucket instead of bucket.endpoint (most self-hosted S3 servers need this).",
  },
  redisUrl: {
    flag: "redis-url",
    env: "GOCACHEPROG_SERVER_REDIS_URL",
    kind: "string",
    secret: true,
    description: "Keep the index in Redis (redis://[:password@]host:port/db) instead of the embedded on-disk index.",
  },
  redisSentinels: {
    flag: "redis-sentinels",
    env: "GOCACHEPROG_SERVER_REDIS_SENTINELS",
    kind: "string",
    description: "Redis through Sentinel: comma-separated host:port of the sentinels (the master is found and followed on failover).",
  },
  redisSentinelName: {
    flag: "redis-sentinel-name",
    env: "GOCACHEPROG_SERVER_REDIS_SENTINEL_NAME",
    kind: "string",
    default: "mymaster",
    description: "Master name the sentinels monitor.",
  },
  redisClusterNodes: {
    flag: "redis-cluster-nodes",
    env: "GOCACHEPROG_SERVER_REDIS_CLUSTER_NODES",
    kind: "string",
    description: "Redis Cluster: comma-separated host:port of some cluster nodes (the rest are discovered).",
  },
  redisPassword: {
    flag: "redis-password",
    env: "GOCACHEPROG_SERVER_REDIS_PASSWORD",
    kind: "string",
    secret: true,
    description:
      "Password for the Redis master or cluster nodes with --redis-sentinels / --redis-cluster-nodes (a --redis-url carries its own).",
  },
  tokensFile: {
    flag: "tokens-file",
    env: "GOCACHEPROG_SERVER_TOKENS_FILE",
    kind: "string",
    description:
      "File of bearer tokens (JSON array or one `token scope namespace [maxSize=SIZE] [maxEntries=N]` per line; maxSize/maxEntries give the namespace a budget of its own, evicted inside it). Neither this nor --tokens nor OIDC = open access; a file that holds no tokens stops the server from starting.",
  },
  tokens: {
    flag: "tokens",
    env: "GOCACHEPROG_SERVER_TOKENS",
    kind: "string",
    secret: true,
    description: "Tokens inline, same formats as --tokens-file (lines may also be separated by commas). Added to --tokens-file.",
  },
  ...oidcOptionDefs,
  inlineMax: {
    flag: "inline-max",
    env: "GOCACHEPROG_SERVER_INLINE_MAX",
    kind: "bytes",
    default: "16KiB",
    description: "Outputs up to this size live inside the index record, so a hit on them touches no blob store.",
  },
  maxBody: {
    flag: "max-body",
    env: "GOCACHEPROG_SERVER_MAX_BODY",
    kind: "bytes",
    default: "1GiB",
    description: "Largest accepted upload; bigger Content-Length is refused with 413 before reading.",
  },
  verifyBufferMax: {
    flag: "verify-buffer-max",
    env: "GOCACHEPROG_SERVER_VERIFY_BUFFER_MAX",
    kind: "bytes",
    default: "1MiB",
    description:
      "Outputs up to this size are read and checked against their sha256 before a byte is sent (a corrupt blob is a clean 404; once per stored version: a blob read again unchanged is not hashed again); larger ones are checked while streaming and the connection is aborted on mismatch.",
  },
  maxAge: {
    flag: "max-age",
    env: "GOCACHEPROG_SERVER_MAX_AGE",
    kind: "duration",
    default: "14d",
    description: "Evict entries not read for this long (0 = never).",
  },
  maxSize: {
    flag: "max-size",
    env: "GOCACHEPROG_SERVER_MAX_SIZE",
    kind: "bytes",
    default: "10GiB",
    description:
      "Size budget for stored outputs of the namespaces without a budget of their own (tokens' maxSize); least recently read entries are evicted above it, by every gc pass and early when a write exceeds it (0 = unlimited).",
  },
  gcInterval: {
    flag: "gc-interval",
    env: "GOCACHEPROG_SERVER_GC_INTERVAL",
    kind: "duration",
    max: TIMER_MAX,
    default: "1h",
    description: "How often `serve` runs eviction and garbage collection (0 = only via `gocacheprog-server gc`).",
  },
  gcGrace: {
    flag: "gc-grace",
    env: "GOCACHEPROG_SERVER_GC_GRACE",
    kind: "duration",
    default: "1h",
    description: "Unreferenced outputs younger than this are kept: an upload in flight has stored its output but not yet its record.",
  },
  backendTimeout: {
    flag: "backend-timeout",
    env: "GOCACHEPROG_SERVER_BACKEND_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "2s",
    description: "Longest wait for one index or blob store call before the request degrades (miss or 503) instead of hanging.",
  },
  ...httpOptionDefs,
  prefetchConcurrency: {
    flag: "prefetch-concurrency",
    env: "GOCACHEPROG_SERVER_PREFETCH_CONCURRENCY",
    kind: "int",
    min: "1",
    default: "16",
    description: "Warm start: output reads in flight per prefetch stream (each stream reads ahead of its client this far, no further).",
  },
  prefetchBuffer: {
    flag: "prefetch-buffer",
    env: "GOCACHEPROG_SERVER_PREFETCH_BUFFER",
    kind: "bytes",
    default: "16MiB",
    description: "Warm start: output bytes one prefetch stream reads ahead of its client at most (back-pressure beyond it).",
  },
  shutdownTimeout: {
    flag: "shutdown-timeout",
    env: "GOCACHEPROG_SERVER_SHUTDOWN_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "10s",
    description: "On SIGTERM/SIGINT, how long in-flight requests may run before connections are cut.",
  },
  logLevel: {
    flag: "log-level",
    env: "GOCACHEPROG_SERVER_LOG_LEVEL",
    kind: "enum",
    choices: ["trace", "debug", "info", "warn", "error", "fatal", "silent"],
    default: "info",
    description: "Log level (JSON logs on stderr).",
  },
  ...gomodOptionDefs,
  ...statusOptionDefs,
} as const satisfies Record<string, OptionDef>;

export type ServerOptions = OptionValues<typeof serverOptionDefs>;

export const COMMANDS = ["serve", "gc", "rebuild-index", "status"] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `Usage: gocacheprog-server [serve|gc|rebuild-index|status] [options]

  serve           Serve the cache over HTTP (default).
  gc              Evict by age and size budget, then delete unreferenced outputs, once.
  rebuild-index   Refill the index from the action records kept in the blob store.
  status          Print a running server's status page as text (--status-url, --status-token-file).`;

export function helpText(): string {
  return renderHelp(USAGE, serverOptionDefs);
}

export interface ParsedCommandLine {
  command: Command;
  options: ServerOptions;
  help: boolean;
  version: boolean;
  warnings: string[];
}

export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedCommandLine {
  const parsed = parseOptions(serverOptionDefs, argv, env);
  const [first, ...rest] = parsed.positionals;
  if (rest.length > 0) throw new ConfigError(`unexpected argument ${shownArguments(rest)}`);
  const command = (first ?? "serve") as Command;
  if (!COMMANDS.includes(command)) throw new ConfigError(`unknown command ${shownArguments([first!])} (see --help)`);
  const options = parsed.values;
  options.dataDir ??= defaultDataDir(env);
  parseListen(options.listen);
  if (options.metricsListen) parseHostPort(options.metricsListen, "--metrics-listen");
  parseUpstreams(options.gomodUpstream);
  if (options.prefetchConcurrency < 1) throw new ConfigError("--prefetch-concurrency must be at least 1");
  for (const key of ["inlineMax", "maxBody", "verifyBufferMax", "maxInFlight", "maxInFlightPerToken", "prefetchBuffer"] as const) {
    if (options[key] < 0) throw new ConfigError(`--${serverOptionDefs[key].flag} must not be negative`);
  }
  if (options.requestTimeout > 0 && options.headersTimeout > options.requestTimeout)
    throw new ConfigError("--headers-timeout must not exceed --request-timeout");
  return { command, options, help: parsed.help, version: parsed.version, warnings: parsed.warnings };
}

function defaultDataDir(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env["XDG_DATA_HOME"];
  return join(xdg && xdg !== "" ? xdg : join(homedir(), ".local", "share"), "gocacheprog-server");
}

/** "host:port", "[::1]:8080" or ":8080" (all interfaces). */
export function parseListen(listen: string): { host: string; port: number } {
  return parseHostPort(listen, "--listen");
}

export function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new ConfigError(`invalid ${flag} ${JSON.stringify(text)}: expected host:port`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}
