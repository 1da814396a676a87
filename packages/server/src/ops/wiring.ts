import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "@gocacheprog/common";
import { OidcVerifier } from "../auth/oidc.ts";
import { type ClaimRule, parseRules } from "../auth/rules.ts";
import { type NamespaceBudget, parseTokens, TokenAuth, type TokenEntry } from "../auth/tokens.ts";
import type { CoreOptions } from "../cache/core.ts";
import type { GcOptions } from "../cache/gc.ts";
import { FsBlobStore } from "../storage/blob/fs.ts";
import { S3BlobStore } from "../storage/blob/s3.ts";
import type { BlobStore } from "../storage/blob/types.ts";
import { EmbeddedIndex } from "../storage/index/embedded.ts";
import { RedisIndex } from "../storage/index/redis.ts";
import type { RedisConnection } from "../storage/index/redis-client.ts";
import type { Index } from "../storage/index/types.ts";
import { parseHostPort, type ServerOptions, serverOptionDefs } from "./config.ts";
import { throttledLog } from "./log-throttle.ts";
import type { Logger } from "./logger.ts";

/** S3 is on when --s3-bucket is set, Redis when --redis-url is; anything else lives under --data-dir. */
export async function openStorage(options: ServerOptions, logger: Logger): Promise<{ blobs: BlobStore; index: Index }> {
  const blobs: BlobStore = options.s3Bucket
    ? new S3BlobStore({
        bucket: options.s3Bucket,
        endpoint: options.s3Endpoint || undefined,
        region: options.s3Region,
        prefix: options.s3Prefix,
        forcePathStyle: options.s3ForcePathStyle,
        requestTimeoutMs: options.backendTimeout,
      })
    : new FsBlobStore({ root: join(options.dataDir!, "blobs") });
  const redis = redisConnection(options);
  const index: Index = redis
    ? new RedisIndex({
        ...redis,
        commandTimeoutMs: options.backendTimeout,
        onError: redisErrorLog(logger),
      })
    : await EmbeddedIndex.open({ path: join(options.dataDir!, "index") });
  return { blobs, index };
}

/** Redis is on when one of its three addressing options is set; undefined = the embedded index. */
export function redisConnection(options: ServerOptions): RedisConnection | undefined {
  const chosen = (["redisUrl", "redisSentinels", "redisClusterNodes"] as const).filter((key) => options[key]);
  if (chosen.length > 1) {
    throw new ConfigError(`choose one way to reach Redis, not ${chosen.map((key) => `--${serverOptionDefs[key].flag}`).join(" and ")}`);
  }
  const password = options.redisPassword || undefined;
  const nodes = (list: string, key: "redisSentinels" | "redisClusterNodes") =>
    list.split(",").map((entry) => parseHostPort(entry, `--${serverOptionDefs[key].flag}`));
  if (options.redisUrl) return { url: options.redisUrl };
  if (options.redisSentinels) {
    return { redisOptions: { sentinels: nodes(options.redisSentinels, "redisSentinels"), name: options.redisSentinelName, password } };
  }
  if (options.redisClusterNodes) {
    return { cluster: { nodes: nodes(options.redisClusterNodes, "redisClusterNodes"), options: { redisOptions: { password } } } };
  }
  return undefined;
}

/** ioredis reports every failed reconnect; one line per 30 s is enough to see an outage. */
function redisErrorLog(logger: Logger): (error: Error) => void {
  const log = throttledLog(logger, "warn", "redis connection error");
  return (error) => log({ err: error.message });
}

/** The static tokens of --tokens-file and --tokens (read again on every reload). */
export async function readTokenEntries(options: ServerOptions): Promise<TokenEntry[]> {
  const entries = [];
  if (options.tokensFile) entries.push(...parseTokens(await readConfigFile(options.tokensFile, "--tokens-file"), options.tokensFile));
  if (options.tokens) entries.push(...parseTokens(options.tokens, "GOCACHEPROG_SERVER_TOKENS"));
  return entries;
}

/** The claim rules of --oidc-rules and --oidc-rules-file. */
export async function readClaimRules(options: ServerOptions): Promise<ClaimRule[]> {
  const rules = parseRules(options.oidcRules ?? "", "--oidc-rules");
  if (options.oidcRulesFile) {
    rules.push(...parseRules(await readConfigFile(options.oidcRulesFile, "--oidc-rules-file"), options.oidcRulesFile));
  }
  return rules;
}

export async function loadAuth(options: ServerOptions, logger: Logger): Promise<{ auth: TokenAuth; oidc?: OidcVerifier }> {
  const issuers = list(options.oidcIssuers);
  let jwt: OidcVerifier | undefined;
  if (issuers.length > 0) {
    const rules = await readClaimRules(options);
    if (rules.length === 0) throw new ConfigError("--oidc-issuers needs claim rules (--oidc-rules or --oidc-rules-file)");
    const audiences = list(options.oidcAudience);
    if (audiences.length === 0) throw new ConfigError("--oidc-issuers needs an --oidc-audience");
    jwt = new OidcVerifier({ issuers, audiences, rules, logger, jwksCooldownMs: options.oidcJwksCooldown });
  } else if (options.oidcRules || options.oidcRulesFile) {
    throw new ConfigError("claim rules are set but no --oidc-issuers to trust");
  }
  const entries = await readTokenEntries(options);
  // A tokens file asks for tokens: an empty one is a Secret mounted before it was filled, not a wish
  // for open access (which is leaving --tokens-file out), so the server does not start wide open.
  if (options.tokensFile && entries.length === 0 && !jwt)
    throw new ConfigError(`--tokens-file ${options.tokensFile} holds no tokens: not starting with open access (leave it out for that)`);
  return { auth: new TokenAuth(entries, { jwt }), oidc: jwt };
}

async function readConfigFile(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

function list(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Where the data lives, for the start-up line (never the Redis URL: it may hold a password). */
export function describeStorage(options: ServerOptions): { blobStore: string; index: string } {
  return {
    blobStore: options.s3Bucket ? `s3://${options.s3Bucket}/${options.s3Prefix}` : join(options.dataDir!, "blobs"),
    index: redisConnection(options) ? "redis" : join(options.dataDir!, "index"),
  };
}

export function coreOptions(options: ServerOptions): CoreOptions {
  return {
    inlineMax: options.inlineMax,
    verifyBufferMax: options.verifyBufferMax,
    backendTimeoutMs: options.backendTimeout,
    prefetchConcurrency: options.prefetchConcurrency,
    prefetchBufferBytes: options.prefetchBuffer,
    touchIntervalMs: Math.min(10 * 60_000, Math.max(1000, options.maxAge / 100)),
    maxAgeMs: options.maxAge,
    // Half gc's grace: the other half is the time a put reusing a blob has to write its record.
    reuseMaxAgeMs: options.gcGrace / 2,
  };
}

/** `budgets`: the namespaces' own budgets from the tokens configuration (TokenAuth.budgets). */
export function gcOptions(options: ServerOptions, budgets: ReadonlyMap<string, NamespaceBudget> = new Map()): GcOptions {
  return {
    maxAgeMs: options.maxAge,
    maxSizeBytes: options.maxSize,
    graceMs: options.gcGrace,
    gomod: { maxAgeMs: options.gomodMaxAge, maxSizeBytes: options.gomodMaxSize },
    namespaces: budgets,
  };
}
