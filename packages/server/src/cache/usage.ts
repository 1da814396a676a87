import type { NamespaceBudget } from "../auth/tokens.ts";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import type { Index, NamespaceUsage } from "../storage/index/types.ts";
import { GOMOD_NAMESPACE } from "../storage/keys.ts";
import type { StorageCalls } from "./storage-calls.ts";

export type { NamespaceUsage };

/**
 * Per-namespace usage: entries and STORED bytes (output blobs plus outputs kept inside records), the
 * figures budgets, --max-size checks on write and the status page read. The counters live in the
 * index (Index.usage/addUsage), so every replica sees the same ones:
 *  - the index's set() and delete() count entries and inline bytes as they write;
 *  - cache/outputs.ts reports blob bytes here when it stores or removes a blob (add);
 *  - every gc pass corrects them to what it counted (correctUsage), so drift never outlives a pass.
 */
export interface UsageSnapshot {
  namespaces: ReadonlyMap<string, NamespaceUsage>;
  /** Sum over the namespaces. */
  total: NamespaceUsage;
  /** When the counters were read (ms). */
  readAtMs: number;
}

export interface UsageDeps {
  index: Index;
  calls: StorageCalls;
  logger: Logger;
  now?: () => number;
  /** How long a snapshot is reused. Default 1000 ms. */
  cacheMs?: number;
}

const ZERO: NamespaceUsage = { entries: 0, bytes: 0 };

export class Usage {
  private cached: UsageSnapshot | undefined;
  private reading: Promise<UsageSnapshot> | undefined;
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly warnLost: (fields: Record<string, unknown>) => void;

  constructor(private readonly deps: UsageDeps) {
    this.now = deps.now ?? Date.now;
    this.cacheMs = deps.cacheMs ?? 1000;
    this.warnLost = throttledLog(deps.logger, "warn", "usage counter not updated (the next gc corrects it)");
  }

  /**
   * The counters of every namespace, read from the index at most once per cacheMs (one read shared
   * by concurrent callers): budgets check it on every put and the status page on every view.
   */
  async snapshot(): Promise<UsageSnapshot> {
    if (this.cached && this.now() - this.cached.readAtMs < this.cacheMs) return this.cached;
    this.reading ??= this.deps.calls
      .index("usage", () => this.deps.index.usage())
      .then((namespaces) => {
        this.cached = { namespaces, total: sum(namespaces.values()), readAtMs: this.now() };
        return this.cached;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** One namespace's counters (zeros for a namespace that holds nothing). */
  async of(namespace: string): Promise<NamespaceUsage> {
    return (await this.snapshot()).namespaces.get(namespace) ?? ZERO;
  }

  /**
   * Blob bytes stored (positive) or removed (negative) in a namespace. Never fails the request that
   * caused it: a lost update is corrected by the next gc pass, so failures are only logged (throttled).
   */
  async add(namespace: string, delta: NamespaceUsage): Promise<void> {
    if (delta.entries === 0 && delta.bytes === 0) return;
    this.applyToCache(namespace, delta);
    try {
      await this.deps.calls.index("addUsage", () => this.deps.index.addUsage(namespace, delta));
    } catch (err) {
      this.warnLost({ err: (err as Error).message, namespace });
    }
  }

  /** Keeps a cached snapshot current with this replica's own writes until the next read. */
  private applyToCache(namespace: string, delta: NamespaceUsage): void {
    if (!this.cached) return;
    const namespaces = new Map(this.cached.namespaces);
    namespaces.set(namespace, plus(namespaces.get(namespace) ?? ZERO, delta));
    this.cached = { namespaces, total: plus(this.cached.total, delta), readAtMs: this.cached.readAtMs };
  }
}

/**
 * gc's correction: `counted` is what the counters said when the pass began, `exact` what the pass
 * found in storage, `alreadyAdded` what the pass itself changed through counted writes meanwhile
 * (records it put back into the index). Adding the difference, instead of overwriting the counters,
 * keeps the updates of puts that ran during the pass.
 */
export async function correctUsage(
  index: Index,
  counted: ReadonlyMap<string, NamespaceUsage>,
  exact: ReadonlyMap<string, NamespaceUsage>,
  alreadyAdded: ReadonlyMap<string, NamespaceUsage> = new Map(),
): Promise<void> {
  const namespaces = new Set([...counted.keys(), ...exact.keys(), ...alreadyAdded.keys()]);
  for (const namespace of namespaces) {
    const have = plus(counted.get(namespace) ?? ZERO, alreadyAdded.get(namespace) ?? ZERO);
    const want = exact.get(namespace) ?? ZERO;
    await index.addUsage(namespace, { entries: want.entries - have.entries, bytes: want.bytes - have.bytes });
  }
}

/**
 * The check on write: when the namespace just written to is over its own budget, or the namespaces
 * without one are together over --max-size, budget.overBudget() is called (gc evicts; the write
 * itself has succeeded). Reads the cached snapshot, so it costs an index read at most once a second.
 */
export async function overBudget(
  usage: Usage,
  budget: { maxSizeBytes: number; namespaces: ReadonlyMap<string, NamespaceBudget>; overBudget(): void },
  namespace: string,
): Promise<void> {
  if (namespace === GOMOD_NAMESPACE) return; // the module proxy's files have their own budget and gc pool
  const snapshot = await usage.snapshot();
  const own = budget.namespaces.get(namespace);
  let over: boolean;
  if (own) {
    const mine = snapshot.namespaces.get(namespace) ?? ZERO;
    over = ((own.maxSizeBytes ?? 0) > 0 && mine.bytes > own.maxSizeBytes!) || ((own.maxEntries ?? 0) > 0 && mine.entries > own.maxEntries!);
  } else {
    let shared = 0;
    for (const [name, used] of snapshot.namespaces) if (name !== GOMOD_NAMESPACE && !budget.namespaces.has(name)) shared += used.bytes;
    over = budget.maxSizeBytes > 0 && shared > budget.maxSizeBytes;
  }
  if (over) budget.overBudget();
}

export function plus(a: NamespaceUsage, b: NamespaceUsage): NamespaceUsage {
  return { entries: a.entries + b.entries, bytes: a.bytes + b.bytes };
}

function sum(usages: Iterable<NamespaceUsage>): NamespaceUsage {
  let total = ZERO;
  for (const usage of usages) total = plus(total, usage);
  return total;
}
