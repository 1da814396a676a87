import { readFileSync } from "node:fs";
import { isBearerToken } from "@gocacheprog/common";
import type { ClientOptions } from "../ops/config.ts";
import { goSubcommand, parentGoCommand } from "../ops/job-stats.ts";
import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import type { CacheTier, LocalTier } from "../tier.ts";
import { CircuitBreaker } from "./breaker.ts";
import { buildKey, parentArgs } from "./build-key.ts";
import { RemoteClient } from "./http.ts";
import { fetchGithubIdToken, type IdToken, keepRenewed } from "./oidc.ts";
import { postSessionReport, sessionReport } from "./session-report.ts";
import { RemoteTier } from "./tier.ts";
import { WarmStart } from "./warm.ts";
import { codecOrNull, useCompression } from "./zstd-bodies.ts";

/** Failures in a row that open the breaker, and how long it then stays open. */
const BREAKER_THRESHOLD = 3;
const BREAKER_OPEN_MS = 30_000;
/** Small outputs are cheaper to send than to ask about. */
const LINK_THRESHOLD_BYTES = 64 * 1024;

/**
 * Whether the go command is one that never reads a package's source-file list back from the cache
 * (only vet, in go vet and go test, and go list -compiled do): unknown (not Linux) counts as no.
 */
function buildsOnly(goArgs: string[] | undefined): boolean {
  const subcommand = goSubcommand(goArgs);
  return subcommand === "build" || subcommand === "install" || subcommand === "run";
}

/** The URL as it may appear in logs: no user info, no query. */
export function displayUrl(raw: string): string {
  const url = new URL(raw);
  return url.origin + url.pathname.replace(/\/+$/, "");
}

export function readToken(options: ClientOptions, log: Logger): string | undefined {
  let token: string | undefined;
  if (options.token?.trim()) token = options.token.trim();
  else if (options.tokenFile) {
    try {
      token = readFileSync(options.tokenFile, "utf8").trim();
    } catch (err) {
      log.warn(
        `cannot read the token file ${options.tokenFile} (${(err as NodeJS.ErrnoException).code ?? "error"}); going on without a token`,
      );
      return undefined;
    }
  }
  // A secret pasted with a newline is trimmed above; one with whitespace or control characters inside
  // cannot go in a header at all (node would throw on every request, and a line break would inject
  // another header into goauth's answer): said once, never shown.
  if (token && !isBearerToken(token)) {
    log.warn("the token holds spaces or control characters, which an HTTP header cannot carry; going on without a token");
    return undefined;
  }
  return token || undefined;
}

/**
 * The HTTP client for options.url with its token (static, or the job's GitHub OIDC token, renewed
 * before it expires). null when there is no usable server: a URL that does not parse, or no OIDC
 * token to be had (every request would be refused); reported once, and the caller goes on local-only.
 */
export async function connectRemote(
  options: ClientOptions,
  log: Logger,
): Promise<{ client: RemoteClient; token: () => string | undefined; shown: string } | null> {
  let shown: string;
  try {
    shown = displayUrl(options.url ?? "");
  } catch {
    log.warn("GOCACHEPROG_URL is not a valid URL; using the local cache only");
    return null;
  }
  let token: string | undefined;
  let idToken: IdToken | undefined;
  const fetchIdToken = () => fetchGithubIdToken(process.env, options.oidcAudience, options.remoteTimeout);
  if (options.tokenSource === "github-oidc") {
    try {
      idToken = await fetchIdToken();
      token = idToken.token;
    } catch (err) {
      // Without a token every request would be refused: go on local-only, as for an unreachable server.
      log.warn(`cannot get the GitHub Actions OIDC token (${(err as Error).message}); using the local cache only`);
      return null;
    }
  } else token = readToken(options, log);
  // Before anything asks the gate; then loading starts now, so the first reply finds the codec ready.
  useCompression(options.compression !== "off");
  void codecOrNull();
  const client = new RemoteClient({
    url: options.url as string,
    token,
    timeoutMs: options.remoteTimeout,
    minRateBytesPerSec: options.remoteMinRate,
    maxOutputBytes: options.remoteMaxOutput,
    connections: options.remoteConnections,
    uploadConnections: options.uploadConcurrency,
  });
  if (idToken) {
    keepRenewed(
      idToken,
      fetchIdToken,
      (renewed) => {
        token = renewed;
        client.setToken(renewed);
      },
      log,
    );
  }
  return { client, token: () => token, shown };
}

/**
 * Wraps the local tier in the remote tier. Loaded with `await import()` only when a URL is
 * configured, so local-only runs never load the HTTP client (node:http, node:https). A URL that
 * does not parse is reported once and the build goes on local-only.
 */
export async function openRemoteTier(
  local: LocalTier,
  options: ClientOptions,
  log: Logger,
  stats: Stats,
  atEnd: (() => Promise<void>)[] = [],
  /** Local hits answered before this tier opened (session.ts, blocking start): part of the manifest. */
  earlierHits: Buffer[] = [],
): Promise<CacheTier> {
  const connected = await connectRemote(options, log);
  if (!connected) return local;
  const { client, shown } = connected;
  if (options.sessionReport) {
    atEnd.push(async () => {
      const summary = stats.toJSON();
      // go env, go list and the like never ask the cache: nothing worth a line on the status page.
      // After a remote error the server may be unreachable: its status page is not worth go's wait.
      if (summary.gets === 0 || summary.remoteErrors > 0) return;
      const report = sessionReport(summary, process.env, parentGoCommand(), process.cwd(), performance.now());
      await postSessionReport({ url: options.url as string, token: connected.token(), timeoutMs: options.remoteTimeout }, report, log);
    });
  }
  const goArgs = parentArgs();
  const warm = options.warmStart
    ? new WarmStart(local, client, stats, log, {
        buildKey: buildKey({ override: options.key, env: process.env, cwd: process.cwd(), goArgs }),
        keepSourceLists: !buildsOnly(goArgs),
        maxBytes: options.prefetchMaxBytes,
        timeoutMs: options.prefetchTimeout,
        waitMs: options.remoteTimeout,
        uploadManifest: !options.readonly,
      })
    : undefined;
  // Right after the handshake (tiers open once it is out), or at the first request the local tier
  // could not answer alone; before that request is answered.
  warm?.start();
  for (const id of earlierHits) warm?.record(id.toString("hex"), true);
  return new RemoteTier(local, client, new CircuitBreaker(BREAKER_THRESHOLD, BREAKER_OPEN_MS), stats, log, {
    warm,
    uploads: !options.readonly,
    uploadConcurrency: options.uploadConcurrency,
    uploadQueue: options.uploadQueue,
    drainTimeoutMs: options.uploadDrainTimeout,
    linkThresholdBytes: LINK_THRESHOLD_BYTES,
    batchUploads: true,
    displayUrl: shown,
  });
}
