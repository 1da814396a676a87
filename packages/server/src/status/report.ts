import { withDeadline } from "@gocacheprog/common";
import type { CacheCore } from "../cache/core.ts";
import type { GomodMetrics } from "../gomod/metrics.ts";
import { GOMOD_NAMESPACE } from "../storage/keys.ts";
import { type Activity, type Counts, hitRate } from "./activity.ts";
import type { GcLog } from "./gc-log.ts";
import type { BuildKeySessions, SessionLog } from "./sessions.ts";

/** Who is looking: every namespace (admin token, open access, --status-public) or one namespace. */
export type Viewer = { all: true; how: "admin" | "open" | "public" } | { all: false; namespace: string };

export interface StatusDeps {
  core: CacheCore;
  activity: Activity;
  sessions: SessionLog;
  gcRuns: GcLog;
  gomod?: GomodMetrics;
  version: string;
  startedAtMs: number;
  gcIntervalMs: number;
  /** Longest wait for the backends' health and the usage counters. */
  timeoutMs: number;
  now?: () => number;
}

/** What the HTTP routes need (http/routes/status.ts). */
export interface StatusAppDeps {
  report: StatusDeps;
  sessions: SessionLog;
  /** --status-public: every namespace, no token needed. */
  public: boolean;
}

export interface Window extends Counts {
  lookups: number;
  /** null when there was no lookup. */
  hitRate: number | null;
}

export interface NamespaceStatus {
  name: string;
  entries: number;
  bytes: number;
  lastHour: Window;
  lastDay: Window;
}

/** The JSON of GET /v1/status; the page at / and `gocacheprog-server status` render the same object. */
export interface StatusReport {
  generatedAt: string;
  version: string;
  startedAt: string;
  /** "all" or the one namespace the token sees. */
  scope: "all" | string;
  /** Where the hit rates and bytes come from. */
  countersKept: "per replica, in memory, since it started (at most a day)";
  backends: { name: "index" | "blob store"; kind: string; healthy: boolean; error?: string }[];
  totals: { entries: number; bytes: number; lastHour: Window; lastDay: Window };
  namespaces: NamespaceStatus[];
  /** Hit rate over the last day in 15-minute steps, oldest first. */
  hitRateSeries: { stepMinutes: number; points: { start: string; lookups: number; hitRate: number | null }[] };
  buildKeys: (BuildKeySessions & { namespace: string })[];
  moduleProxy: { files: number; bytes: number; requests: Record<string, number>; bytesToGo: number; bytesFromUpstream: number } | null;
  gc: { intervalMs: number; runs: { startedAt: string; durationMs: number; report?: unknown; error?: string }[] };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STEP = 15 * 60_000;

export async function buildStatus(deps: StatusDeps, viewer: Viewer): Promise<StatusReport> {
  const now = (deps.now ?? Date.now)();
  const [backends, usage] = await Promise.all([health(deps), usageOf(deps)]);
  const visible = (namespace: string) => namespace !== GOMOD_NAMESPACE && (viewer.all || namespace === viewer.namespace);
  const names = new Set([...usage.keys(), ...deps.activity.namespaces(), ...deps.sessions.namespaces()].filter(visible));
  if (!viewer.all) names.add(viewer.namespace);
  const list = [...names].sort();
  const window = (namespaces: string[], ms: number): Window => {
    const counts = deps.activity.total(namespaces, ms);
    return { ...counts, lookups: counts.hits + counts.misses, hitRate: hitRate(counts) };
  };
  const namespaces = list.map((name) => ({
    name,
    entries: usage.get(name)?.entries ?? 0,
    bytes: usage.get(name)?.bytes ?? 0,
    lastHour: window([name], HOUR),
    lastDay: window([name], DAY),
  }));
  const series = deps.activity.series(list, DAY, STEP).map((p) => ({
    start: new Date(p.startMs).toISOString(),
    lookups: p.hits + p.misses,
    hitRate: hitRate(p),
  }));
  return {
    generatedAt: new Date(now).toISOString(),
    version: deps.version,
    startedAt: new Date(deps.startedAtMs).toISOString(),
    scope: viewer.all ? "all" : viewer.namespace,
    countersKept: "per replica, in memory, since it started (at most a day)",
    // Only an admin (or the operator's own open server) sees why a backend is down: messages can name hosts.
    backends: viewer.all && viewer.how !== "public" ? backends : backends.map(({ error: _, ...rest }) => rest),
    totals: {
      entries: sum(namespaces, "entries"),
      bytes: sum(namespaces, "bytes"),
      lastHour: window(list, HOUR),
      lastDay: window(list, DAY),
    },
    namespaces,
    hitRateSeries: { stepMinutes: STEP / 60_000, points: series },
    buildKeys: deps.sessions.list(list),
    moduleProxy: deps.gomod ? await moduleProxy(deps.gomod, usage.get(GOMOD_NAMESPACE)) : null,
    gc: {
      intervalMs: deps.gcIntervalMs,
      // The counts of a pass span every namespace: a namespace token sees when passes ran, not what they found.
      runs: deps.gcRuns.list().map((run) => ({
        startedAt: new Date(run.startedAtMs).toISOString(),
        durationMs: run.durationMs,
        // A pass's error is a backend's message (hosts, buckets): for an admin or the operator's own open server only.
        ...(viewer.all ? { report: run.report } : {}),
        error: run.error === undefined ? undefined : viewer.all && viewer.how !== "public" ? run.error : "failed",
      })),
    },
  };
}

/** One health check per core per HEALTH_CACHE_MS, however often the page is loaded (it may be public). */
const HEALTH_CACHE_MS = 2000;
const recentHealth = new WeakMap<CacheCore, { atMs: number; result: Promise<StatusReport["backends"]> }>();

function health(deps: StatusDeps): Promise<StatusReport["backends"]> {
  const now = Date.now();
  const recent = recentHealth.get(deps.core);
  if (recent && now - recent.atMs < HEALTH_CACHE_MS) return recent.result;
  const result = checkHealth(deps);
  recentHealth.set(deps.core, { atMs: now, result });
  return result;
}

async function checkHealth(deps: StatusDeps): Promise<StatusReport["backends"]> {
  const { core, timeoutMs } = deps;
  const check = async (name: "index" | "blob store", kind: string, ping: () => Promise<void>) => {
    try {
      await withDeadline(ping(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
      return { name, kind, healthy: true };
    } catch (err) {
      return { name, kind, healthy: false, error: (err as Error).message };
    }
  };
  return Promise.all([
    check("index", core.index.kind, () => core.index.ping()),
    check("blob store", core.blobs.kind, () => core.blobs.ping()),
  ]);
}

/** An index that does not answer leaves the usage columns at zero rather than failing the page. */
async function usageOf(deps: StatusDeps) {
  try {
    return (await deps.core.usage.snapshot()).namespaces;
  } catch {
    return new Map<string, { entries: number; bytes: number }>();
  }
}

async function moduleProxy(metrics: GomodMetrics, usage: { entries: number; bytes: number } | undefined) {
  const requests: Record<string, number> = {};
  for (const { labels, value } of (await metrics.requests.get()).values) {
    const result = String(labels.result);
    requests[result] = (requests[result] ?? 0) + value;
  }
  let bytesToGo = 0;
  let bytesFromUpstream = 0;
  for (const { labels, value } of (await metrics.bytes.get()).values) {
    if (labels.direction === "out") bytesToGo += value;
    else bytesFromUpstream += value;
  }
  return { files: usage?.entries ?? 0, bytes: usage?.bytes ?? 0, requests, bytesToGo, bytesFromUpstream };
}

function sum(items: readonly NamespaceStatus[], key: "entries" | "bytes"): number {
  return items.reduce((total, item) => total + item[key], 0);
}
