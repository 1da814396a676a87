import type { CoreObserver } from "../cache/core.ts";

/**
 * Lookups and bytes per namespace over the last day, for the status page's hit rates and chart.
 * Kept in memory by each replica (what this replica served since it started, at most a day back):
 * cheap on the request path (two map lookups and an add), nothing written to the index per
 * request. Behind a load balancer each replica shows its own share, which is the same hit rate.
 */
export interface Counts {
  hits: number;
  misses: number;
  /** Output bytes received in accepted puts. */
  bytesIn: number;
  /** Output bytes sent with hits. */
  bytesOut: number;
}

export interface SeriesPoint extends Counts {
  startMs: number;
}

/** One minute per bucket; a day of them at most per namespace. */
export const BUCKET_MS = 60_000;
const KEEP_MS = 24 * 60 * 60_000;

export const zeroCounts = (): Counts => ({ hits: 0, misses: 0, bytesIn: 0, bytesOut: 0 });

export class Activity implements CoreObserver {
  private readonly buckets = new Map<string, Map<number, Counts>>();
  private prunedAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  lookup(namespace: string, hit: boolean, bytes: number): void {
    const counts = this.bucket(namespace);
    if (hit) {
      counts.hits++;
      counts.bytesOut += bytes;
    } else counts.misses++;
  }

  put(namespace: string, bytes: number): void {
    this.bucket(namespace).bytesIn += bytes;
  }

  /** Namespaces with activity in the last day. */
  namespaces(): string[] {
    return [...this.buckets.keys()];
  }

  /** Sums over the given namespaces for the last `windowMs`. */
  total(namespaces: readonly string[], windowMs: number): Counts {
    const since = this.now() - windowMs;
    const sum = zeroCounts();
    for (const namespace of namespaces) {
      for (const [start, counts] of this.buckets.get(namespace) ?? []) if (start + BUCKET_MS > since) add(sum, counts);
    }
    return sum;
  }

  /** The last `windowMs` in steps of `stepMs` (a multiple of a minute), oldest first, empty steps included. */
  series(namespaces: readonly string[], windowMs: number, stepMs: number): SeriesPoint[] {
    const end = Math.floor(this.now() / stepMs) * stepMs + stepMs;
    const first = end - Math.ceil(windowMs / stepMs) * stepMs;
    const points: SeriesPoint[] = [];
    for (let start = first; start < end; start += stepMs) points.push({ startMs: start, ...zeroCounts() });
    for (const namespace of namespaces) {
      for (const [start, counts] of this.buckets.get(namespace) ?? []) {
        const i = Math.floor((start - first) / stepMs);
        if (i >= 0 && i < points.length) add(points[i] as SeriesPoint, counts);
      }
    }
    return points;
  }

  private bucket(namespace: string): Counts {
    const now = this.now();
    if (now - this.prunedAt > BUCKET_MS) this.prune(now);
    const start = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    let byStart = this.buckets.get(namespace);
    if (!byStart) {
      byStart = new Map();
      this.buckets.set(namespace, byStart);
    }
    let counts = byStart.get(start);
    if (!counts) {
      counts = zeroCounts();
      byStart.set(start, counts);
    }
    return counts;
  }

  /** Memory stays bounded: at most a day of minutes per namespace with recent activity. */
  private prune(now: number): void {
    this.prunedAt = now;
    for (const [namespace, byStart] of this.buckets) {
      for (const start of byStart.keys()) if (start + BUCKET_MS <= now - KEEP_MS) byStart.delete(start);
      if (byStart.size === 0) this.buckets.delete(namespace);
    }
  }
}

function add(into: Counts, from: Counts): void {
  into.hits += from.hits;
  into.misses += from.misses;
  into.bytesIn += from.bytesIn;
  into.bytesOut += from.bytesOut;
}

export function hitRate(counts: Counts): number | null {
  const lookups = counts.hits + counts.misses;
  return lookups === 0 ? null : counts.hits / lookups;
}
