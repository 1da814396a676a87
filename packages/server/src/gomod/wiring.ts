import type { Registry } from "prom-client";
import type { CacheCore } from "../cache/core.ts";
import type { Logger } from "../ops/logger.ts";
import { MemoryFiles } from "./memory.ts";
import { GomodMetrics } from "./metrics.ts";
import { GomodStore } from "./store.ts";
import { parseNoSumdb, parseSumdbName } from "./sumdb-check.ts";
import { parseUpstreams, Upstream, type UpstreamEntry } from "./upstream.ts";

export interface GomodSettings {
  gomodUpstream: string;
  gomodAnonymous: boolean;
  gomodUpstreamTimeout: number;
  gomodZipMax: number;
  gomodMutableTtl: number;
  gomodMemory: number;
  /** Absent = off. */
  gomodSumdb?: string;
  gomodNoSumdb?: string;
}

/**
 * A file served from memory is reported as read to the store this often, for its eviction by age; it is
 * also checked to be still stored then, so another replica's purge reaches this replica's memory within
 * this time (the answer that triggers the check is the last one served from here).
 */
const MEMORY_TOUCH_MS = 60_000;

export interface Gomod {
  /** /gomod readable without a token (--gomod-anonymous). */
  anonymous: boolean;
  store: GomodStore;
  metrics: GomodMetrics;
  upstream: Upstream;
  close(): Promise<void>;
}

/** The module proxy over the build cache's own storage; throws ConfigError for a bad upstream list or sumdb setting. */
export function createGomod(
  options: GomodSettings,
  deps: { core: CacheCore; registry: Registry; logger: Logger; fetch?: typeof fetch; now?: () => number },
): Gomod {
  const metrics = new GomodMetrics(deps.registry);
  const upstream = new Upstream(parseUpstreams(options.gomodUpstream), {
    timeoutMs: options.gomodUpstreamTimeout,
    fetch: deps.fetch,
  });
  const sumdbName = parseSumdbName(options.gomodSumdb ?? "off");
  const sumdb = sumdbName === undefined ? undefined : { name: sumdbName, excluded: parseNoSumdb(options.gomodNoSumdb ?? "") };
  const store = new GomodStore({
    core: deps.core,
    upstream,
    metrics,
    logger: deps.logger,
    options: { mutableTtlMs: options.gomodMutableTtl, zipMaxBytes: options.gomodZipMax, sumdb },
    memory: options.gomodMemory > 0 ? new MemoryFiles(options.gomodMemory, MEMORY_TOUCH_MS) : undefined,
    now: deps.now,
  });
  return { anonymous: options.gomodAnonymous, store, metrics, upstream, close: () => upstream.close() };
}

/** For the start-up line: where modules come from, without credentials. */
export function describeUpstreams(entries: readonly UpstreamEntry[]): string {
  if (entries.length === 0) return "off (cache only)";
  return entries
    .map(
      (e, i) =>
        `${e.base}${e.authorization ? " (with credentials)" : ""}${i < entries.length - 1 ? (e.fallBackOnError ? " |" : " ,") : ""}`,
    )
    .join(" ");
}
