import type { NamespaceBudget } from "../auth/tokens.ts";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";
import type { BlobStore } from "../storage/blob/types.ts";
import type { Index, NamespaceUsage } from "../storage/index/types.ts";
import { GOMOD_NAMESPACE, parseActionRecordKey, parseManifestKey, parseOutputKey } from "../storage/keys.ts";
import { type Entry, exactUsage, groupByNamespace, toEntry } from "./gc-entries.ts";
import { withMaintenanceLease } from "./lease.ts";
import { ItemFailures, inPool } from "./pool.ts";
import { deleteRecordCopy, readRecordCopy, restoreRecord } from "./records.ts";
import { correctUsage, plus } from "./usage.ts";

export interface EvictionPolicy {
  /** Entries not read for this long are evicted; 0 = no age limit. */
  maxAgeMs: number;
  /** Budget for output bytes (blobs plus inline records); 0 = unlimited. */
  maxSizeBytes: number;
  /** Budget for entries; absent or 0 = unlimited. */
  maxEntries?: number;
}

export interface GcOptions extends EvictionPolicy {
  /** Unreferenced outputs younger than this survive: their put may not have written its record yet. */
  graceMs: number;
  /** The module proxy's files (gomod/) are evicted by their own policy; absent = the same numbers, counted apart. */
  gomod?: EvictionPolicy;
  /**
   * Namespaces with a budget of their own (tokens configuration): each is evicted alone, inside its
   * budget, so filling it never evicts another namespace's entries. The rest share maxSizeBytes.
   */
  namespaces?: ReadonlyMap<string, NamespaceBudget>;
  concurrency?: number;
  /**
   * Stops the pass before its next step (a shutdown), which then rejects with the signal's reason.
   * What it did stands; the next pass does the rest. A step is one backend call, each bounded by its
   * store's timeout, so a replica's SIGTERM never waits for a pass over a large store.
   */
  signal?: AbortSignal;
}

export interface PoolReport {
  entries: number;
  expired: number;
  evictedForSize: number;
  bytesBefore: number;
  bytesAfter: number;
}

/** The top-level counts are the build cache's (all namespaces); `gomod` is the module proxy's, `namespaces` those with a budget. */
export interface GcReport extends PoolReport {
  reindexed: number;
  orphanOutputs: number;
  /** Temp files and incomplete multipart uploads of puts that never finished, older than the grace period. */
  leftovers: number;
  leftoverBytes: number;
  /** Build manifests (warm start) not rewritten for longer than maxAge, removed. */
  expiredManifests: number;
  gomod: PoolReport;
  namespaces: Record<string, PoolReport>;
  /** Set when nothing was done: another process (replica, CronJob) was running a pass over this store. */
  busy?: true;
}

type GcDeps = { blobs: BlobStore; index: Index; logger: Logger; metrics?: ServerMetrics };

/** One pass (collect below), unless another process holds the maintenance lease (cache/lease.ts). */
export async function runGc(deps: GcDeps, options: GcOptions, now = Date.now()): Promise<GcReport> {
  const report = await withMaintenanceLease(deps.index, () => collect(deps, options, now));
  if (report) return report;
  deps.logger.info("gc skipped: another process is running a pass over this store");
  const none: PoolReport = { entries: 0, expired: 0, evictedForSize: 0, bytesBefore: 0, bytesAfter: 0 };
  const zeros = { reindexed: 0, orphanOutputs: 0, leftovers: 0, leftoverBytes: 0, expiredManifests: 0 };
  return { ...none, ...zeros, gomod: none, namespaces: {}, busy: true };
}

/**
 * One eviction and garbage collection pass:
 *  1. list the blob store; record copies the index lacks (a flushed Redis) are put back first, so
 *     their outputs never look unreferenced;
 *  2. evict entries unread for longer than maxAge, then least recently read ones until under maxSize;
 *  3. delete outputs no remaining entry refers to, older than the grace period (freed in step 2 or not).
 * A put during the pass is unseen by step 1: cache/output-lifetime.ts says why it still keeps its output.
 * The usage counters (cache/usage.ts) are corrected to what step 1 found, then follow the deletions.
 */
async function collect(deps: GcDeps, options: GcOptions, now: number): Promise<GcReport> {
  const { blobs, index, logger } = deps;
  const counted = await index.usage();
  const outputs = new Map<string, { size: number; lastModifiedMs: number }>();
  const copies: { namespace: string; actionHex: string }[] = [];
  const staleManifests: { namespace: string; buildKeyHex: string; key: string }[] = [];
  const { signal } = options;
  for await (const item of blobs.list("")) {
    signal?.throwIfAborted();
    if (parseOutputKey(item.key)) outputs.set(item.key, { size: item.size, lastModifiedMs: item.lastModified.getTime() });
    else if (parseManifestKey(item.key)) {
      // A manifest is rewritten by a session that adds to it and, daily, by serving its prefetch: one this old predicts a build nobody runs.
      if (options.maxAgeMs > 0 && item.lastModified.getTime() < now - options.maxAgeMs)
        staleManifests.push({ ...parseManifestKey(item.key)!, key: item.key });
    } else {
      const copy = parseActionRecordKey(item.key);
      if (copy) copies.push(copy);
    }
  }

  const entries = new Map<string, Entry>();
  for await (const { namespace, actionHex, record } of index.scan()) {
    signal?.throwIfAborted();
    entries.set(`${namespace}/${actionHex}`, toEntry(namespace, actionHex, record));
  }
  let reindexed = 0;
  const reindexedUsage = new Map<string, NamespaceUsage>();
  const failures = new ItemFailures();
  // A copy that could not be put back (an index at maxmemory or out of map space, a failed read) is
  // one failure among others, not the end of the pass, whose deletions are what frees that space.
  // Its output stays this pass; where the copy itself could not be read, every orphan of its namespace does.
  const keptOutputs = new Set<string>();
  const unread = new Set<string>();
  await inPool(
    copies,
    options.concurrency,
    failures.tolerate(async ({ namespace, actionHex }: { namespace: string; actionHex: string }) => {
      if (entries.has(`${namespace}/${actionHex}`)) return;
      const record = await readRecordCopy(blobs, namespace, actionHex, undefined, now).catch((err: unknown) => {
        unread.add(namespace);
        throw err;
      });
      // Undecodable copies are garbage: nothing could ever restore from them.
      if (!record) return deleteRecordCopy(blobs, namespace, actionHex);
      const entry = toEntry(namespace, actionHex, record);
      const outcome = await restoreRecord(blobs, index, namespace, actionHex, record).catch((err: unknown) => {
        if (entry.outputKey) keptOutputs.add(entry.outputKey);
        throw err;
      });
      // "present": put back since the scan (a put, a lookup's lazy fill), after the counters were read, like a restore.
      if (outcome === "removed") return;
      entries.set(`${namespace}/${actionHex}`, entry);
      reindexedUsage.set(
        namespace,
        plus(reindexedUsage.get(namespace) ?? { entries: 0, bytes: 0 }, { entries: 1, bytes: entry.outputKey ? 0 : entry.size }),
      );
      reindexed++;
    }),
    signal,
  );
  // Best effort: at a Redis maxmemory (noeviction) the counters cannot grow, and the deletions below are what frees it.
  await failures.tolerate(() => correctUsage(index, counted, exactUsage(entries.values(), outputs), reindexedUsage))(undefined);

  const refs = new Map<string, number>();
  const refer = (key: string) => refs.set(key, (refs.get(key) ?? 0) + 1);
  for (const entry of entries.values()) if (entry.outputKey) refer(entry.outputKey);
  for (const key of keptOutputs) refer(key);
  // Outputs nothing refers to, past the grace period: step 3 deletes them.
  const settled = (lastModifiedMs: number) => lastModifiedMs <= now - options.graceMs;
  const orphaned = (key: string, o: { lastModifiedMs: number }) =>
    !refs.get(key) && settled(o.lastModifiedMs) && !unread.has(parseOutputKey(key)!.namespace);
  // No unreferenced output takes budget, young ones included (freed by an earlier pass, waiting to
  // settle): evicting live entries would not delete them any sooner, and passes in a row would each
  // evict more for bytes none of them can free.
  const unreferenced = (key: string) => !refs.get(key);
  const evict: Entry[] = [];
  // Outputs belong to their entries' namespace, so each pool's bytes and budget are its own. Grouped
  // once: each pool then reads only its namespaces (a pass per budgeted namespace over every entry
  // held the event loop for seconds on a large store).
  const byNamespace = groupByNamespace(entries.values(), outputs, unreferenced);
  const inGomod = (namespace: string) => namespace === GOMOD_NAMESPACE;
  const evictPool = (policy: EvictionPolicy, isMember: (namespace: string) => boolean): PoolReport => {
    const groups = [...byNamespace].filter(([namespace]) => isMember(namespace)).map(([, group]) => group);
    const members = groups.flatMap((group) => group.entries);
    const bytesBefore = groups.reduce((sum, group) => sum + group.bytes, 0);
    let bytes = bytesBefore - groups.reduce((sum, group) => sum + group.orphanBytes, 0);
    const release = (entry: Entry) => {
      evict.push(entry);
      if (!entry.outputKey) {
        bytes -= entry.size;
        return;
      }
      const left = (refs.get(entry.outputKey) ?? 1) - 1;
      refs.set(entry.outputKey, left);
      // A young output freed here stays until it settles (step 3), yet counts as freed: evicting
      // more entries would not delete it any sooner.
      if (left === 0 && outputs.has(entry.outputKey)) bytes -= outputs.get(entry.outputKey)!.size;
    };
    const byLastAccess = members.sort((a, b) => a.lastAccessMs - b.lastAccessMs);
    let next = 0;
    if (policy.maxAgeMs > 0) {
      for (; next < byLastAccess.length && byLastAccess[next]!.lastAccessMs < now - policy.maxAgeMs; next++) release(byLastAccess[next]!);
    }
    const expired = next;
    const overEntries = () => (policy.maxEntries ?? 0) > 0 && byLastAccess.length - next > policy.maxEntries!;
    const overBytes = () => policy.maxSizeBytes > 0 && bytes > policy.maxSizeBytes;
    for (; next < byLastAccess.length && (overBytes() || overEntries()); next++) release(byLastAccess[next]!);
    return { entries: members.length, expired, evictedForSize: next - expired, bytesBefore, bytesAfter: bytes };
  };
  const budgets = options.namespaces ?? new Map<string, NamespaceBudget>();
  const shared = evictPool(options, (namespace) => !inGomod(namespace) && !budgets.has(namespace));
  const gomod = evictPool(options.gomod ?? options, inGomod);
  const own = new Map<string, PoolReport>();
  for (const [name, budget] of budgets) {
    if (inGomod(name)) continue;
    const policy = { maxAgeMs: options.maxAgeMs, maxSizeBytes: budget.maxSizeBytes ?? 0, maxEntries: budget.maxEntries };
    own.set(
      name,
      evictPool(policy, (namespace) => namespace === name),
    );
  }

  await inPool(
    evict,
    options.concurrency,
    // The copy first: with the index entry gone and the copy kept (a failure between the two), the next
    // pass would put the evicted entry back, as if read then.
    failures.tolerate(async (entry: Entry) => {
      try {
        await deleteRecordCopy(blobs, entry.namespace, entry.actionHex);
        await index.delete(entry.namespace, entry.actionHex);
      } catch (err) {
        // Still in the index: its output is referenced again, so step 3 keeps it.
        if (entry.outputKey) refer(entry.outputKey);
        throw err;
      }
    }),
    signal,
  );

  let expiredManifests = 0;
  await inPool(
    staleManifests,
    options.concurrency,
    failures.tolerate(async ({ namespace, buildKeyHex, key }: (typeof staleManifests)[number]) => {
      // The listing is as old as the pass: a session may have rewritten this manifest since. It
      // writes the index first, so what the index holds is read before the copy's age, and removed
      // only while unchanged.
      const held = await index.getManifests(namespace, buildKeyHex);
      const current = await blobs.head(key);
      if (current && current.lastModified.getTime() >= now - options.maxAgeMs) return;
      if (!(await index.swapManifests(namespace, buildKeyHex, held, null))) return;
      await blobs.delete(key);
      expiredManifests++;
    }),
    signal,
  );

  // Freed or not, a young output stays: a put reuses one as it is, and its record may be one the scan missed.
  const orphans = [...outputs].filter(([key, o]) => orphaned(key, o));
  let skipped = 0;
  await inPool(
    orphans,
    options.concurrency,
    failures.tolerate(async ([key]) => {
      // The listing is as old as the pass: a put that found this output too old to reuse wrote it again since.
      const current = await blobs.head(key);
      if (!current || !settled(current.lastModified.getTime())) {
        skipped++;
        return;
      }
      await blobs.delete(key);
      await index.addUsage(parseOutputKey(key)!.namespace, { entries: 0, bytes: -current.size });
    }),
    signal,
  );
  if (failures.count > 0)
    logger.warn(
      { failed: failures.count, first: failures.first },
      "gc: some deletions or counter updates failed; the next pass retries them",
    );
  const build = [...own.values()].reduce(addPools, shared);

  signal?.throwIfAborted();
  // A put in flight has a temp file or multipart upload too: only those older than the grace period go.
  const leftovers = (await blobs.removeLeftovers?.(new Date(now - options.graceMs))) ?? { removed: 0, bytes: 0 };

  const metrics = deps.metrics?.gcRemoved;
  metrics?.inc({ kind: "expired" }, build.expired + gomod.expired);
  metrics?.inc({ kind: "over-budget" }, build.evictedForSize + gomod.evictedForSize);
  metrics?.inc({ kind: "orphan-output" }, orphans.length - skipped);
  metrics?.inc({ kind: "leftover" }, leftovers.removed);
  const report: GcReport = {
    ...build,
    reindexed,
    orphanOutputs: orphans.length - skipped,
    expiredManifests,
    leftovers: leftovers.removed,
    leftoverBytes: leftovers.bytes,
    gomod,
    namespaces: Object.fromEntries(own),
  };
  logger.info(report, "gc finished");
  return report;
}

function addPools(a: PoolReport, b: PoolReport): PoolReport {
  return {
    entries: a.entries + b.entries,
    expired: a.expired + b.expired,
    evictedForSize: a.evictedForSize + b.evictedForSize,
    bytesBefore: a.bytesBefore + b.bytesBefore,
    bytesAfter: a.bytesAfter + b.bytesAfter,
  };
}
