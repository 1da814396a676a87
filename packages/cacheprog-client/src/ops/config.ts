import { type OptionDef, type OptionValues, parseOptions, TIMER_MAX } from "@gocacheprog/common";

/**
 * The one schema for the client: flags, environment twins, `--help` and the README table all come
 * from it. Remote options are declared here too so the schema (and the docs) stay complete while
 * the remote tier is wired separately.
 */
export const clientOptionDefs = {
  dir: {
    flag: "dir",
    env: "GOCACHEPROG_DIR",
    kind: "string",
    description:
      "Local cache directory. Default: $GOCACHE/gocacheprog (go's own default GOCACHE when unset), so go copies instead of moving cached files.",
  },
  stats: { flag: "stats", env: "GOCACHEPROG_STATS", kind: "boolean", description: "Print one summary line to stderr at exit." },
  statsFile: {
    flag: "stats-file",
    env: "GOCACHEPROG_STATS_FILE",
    kind: "string",
    description: "Append the exit summary to this file as one JSON line per go command (`gocacheprog summary FILE` adds them up).",
  },
  maxAge: {
    flag: "max-age",
    env: "GOCACHEPROG_MAX_AGE",
    kind: "duration",
    default: "5d",
    description: "Evict local entries unused for this long (never anything used in the last 24h).",
  },
  maxSize: {
    flag: "max-size",
    env: "GOCACHEPROG_MAX_SIZE",
    kind: "bytes",
    default: "10GiB",
    description: "Local size budget; least recently used entries older than 24h go first. 0 disables the budget.",
  },
  trimInterval: {
    flag: "trim-interval",
    env: "GOCACHEPROG_TRIM_INTERVAL",
    kind: "duration",
    default: "1h",
    description: "Trim the local directory at most once per interval (checked at exit, shared by all processes).",
  },
  log: {
    flag: "log",
    env: "GOCACHEPROG_LOG",
    kind: "enum",
    choices: ["error", "warn", "info", "debug"],
    default: "warn",
    description: "Log level on stderr.",
  },
  url: { flag: "url", env: "GOCACHEPROG_URL", kind: "string", description: "Remote cache server base URL; unset = local only." },
  token: { flag: "token", env: "GOCACHEPROG_TOKEN", kind: "string", secret: true, description: "Bearer token for the remote cache." },
  tokenFile: {
    flag: "token-file",
    env: "GOCACHEPROG_TOKEN_FILE",
    kind: "string",
    description: "Read the bearer token from this file (keeps it out of the environment).",
  },
  tokenSource: {
    flag: "token-source",
    env: "GOCACHEPROG_TOKEN_SOURCE",
    kind: "enum",
    choices: ["static", "github-oidc"],
    default: "static",
    description:
      "static: --token / --token-file. github-oidc: ask the GitHub Actions runner for the job's OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN, from `permissions: id-token: write`) and renew it before it expires; no stored secret.",
  },
  sessionReport: {
    flag: "session-report",
    env: "GOCACHEPROG_SESSION_REPORT",
    kind: "boolean",
    default: "true",
    description:
      "At exit, tell the server what this go command did (project and go subcommand, hits, misses, time) for its status page; at most 2 s, beside the last uploads. A go command answered by the local tier alone never contacts the server and sends none. GOCACHEPROG_SESSION_KEY names the project (default: GITHUB_REPOSITORY, CI_PROJECT_PATH or the directory's name).",
  },
  oidcAudience: {
    flag: "oidc-audience",
    env: "GOCACHEPROG_OIDC_AUDIENCE",
    kind: "string",
    default: "gocacheprog",
    description: "Audience to ask for with --token-source github-oidc (the server's --oidc-audience must accept it).",
  },
  readonly: {
    flag: "readonly",
    env: "GOCACHEPROG_READONLY",
    kind: "boolean",
    description: "Read from the remote cache but never upload.",
  },
  remoteTimeout: {
    flag: "remote-timeout",
    env: "GOCACHEPROG_REMOTE_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "5s",
    description:
      "Give up on one remote request after this long, plus its size at --remote-min-rate, or once its body brings no byte for this long (a remote failure is a miss, never a failed build).",
  },
  remoteMinRate: {
    flag: "remote-min-rate",
    env: "GOCACHEPROG_REMOTE_MIN_RATE",
    kind: "bytes",
    default: "1MiB",
    description:
      "Slowest transfer rate (bytes per second) waited for: a download or upload gets --remote-timeout plus its size at this rate, so large outputs on slow links still transfer.",
  },
  remoteMaxOutput: {
    flag: "remote-max-output",
    env: "GOCACHEPROG_REMOTE_MAX_OUTPUT",
    kind: "bytes",
    default: "1GiB",
    description:
      "Largest output taken from the remote (the server's default --max-body); a reply declaring more is refused before reading, a body running past its size is cut. Either is a miss.",
  },
  compression: {
    flag: "compression",
    env: "GOCACHEPROG_COMPRESSION",
    kind: "enum",
    choices: ["zstd", "off"],
    default: "zstd",
    description:
      "zstd: upload outputs in the zstd form when it saves at least 10% and ask for stored compressed ones as they are. off: neither (raw uploads, raw replies), e.g. to compare on a fast link.",
  },
  uploadConcurrency: {
    flag: "upload-concurrency",
    env: "GOCACHEPROG_UPLOAD_CONCURRENCY",
    kind: "int",
    min: "1",
    default: "4",
    description: "Uploads running at once, on their own connections so they never hold up lookups.",
  },
  uploadQueue: {
    flag: "upload-queue",
    env: "GOCACHEPROG_UPLOAD_QUEUE",
    kind: "int",
    min: "1",
    default: "10000",
    description:
      "Uploads waiting at most (each is a file path, not bytes); beyond that new entries stay local only and are counted as dropped.",
  },
  uploadDrainTimeout: {
    flag: "upload-drain-timeout",
    env: "GOCACHEPROG_UPLOAD_DRAIN_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "30s",
    description: "At exit, how long queued uploads may still run before they are dropped (the build itself is already done).",
  },
  remoteConnections: {
    flag: "remote-connections",
    env: "GOCACHEPROG_REMOTE_CONNECTIONS",
    kind: "int",
    min: "1",
    default: "8",
    description: "Keep-alive connections to the remote cache (requests beyond this wait for a free one).",
  },
  warmStart: {
    flag: "warm-start",
    env: "GOCACHEPROG_WARM_START",
    kind: "boolean",
    default: "true",
    description:
      "Warm start: right after go starts, fetch every entry this build key's recent builds used in one streamed request, and at exit upload this build's manifest. --no-warm-start turns both off.",
  },
  key: {
    flag: "key",
    env: "GOCACHEPROG_KEY",
    kind: "string",
    description:
      "Build key for warm start, replacing the automatic one (go's directory, main module, command line, GOOS/GOARCH/GOFLAGS/CGO_ENABLED and friends, Go version); e.g. one key per repository and platform in CI.",
  },
  prefetchMaxBytes: {
    flag: "prefetch-max-bytes",
    env: "GOCACHEPROG_PREFETCH_MAX_BYTES",
    kind: "bytes",
    default: "2GiB",
    description: "Warm start: output bytes one prefetch may bring at most (they land in the local directory).",
  },
  prefetchTimeout: {
    flag: "prefetch-timeout",
    env: "GOCACHEPROG_PREFETCH_TIMEOUT",
    kind: "duration",
    max: TIMER_MAX,
    default: "2m",
    description: "Warm start: the prefetch stream is cut after this long; what has not arrived takes the normal path.",
  },
} as const satisfies Record<string, OptionDef>;

export type ClientOptions = OptionValues<typeof clientOptionDefs>;

export const USAGE = `gocacheprog: a GOCACHEPROG build cache for Go (local disk tier, optional remote tier)

Usage: GOCACHEPROG=gocacheprog go build ./...
       gocacheprog [options]   (speaks the cacheprog protocol on stdin/stdout)
       gocacheprog warm --key KEY   (fill the local directory from the key's manifest before go runs)
       gocacheprog canonicalize-mtimes [dir] | summary FILE | goauth   (CI helpers; each has --help)`;

export function parseClientOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  return parseOptions(clientOptionDefs, argv, env);
}
