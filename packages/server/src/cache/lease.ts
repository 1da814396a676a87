import { randomUUID } from "node:crypto";
import type { Index } from "../storage/index/types.ts";

/**
 * One maintenance pass at a time over a shared store. gc and a full rebuild each correct the usage
 * counters by the difference between what they read at the start and what they counted (usage.ts,
 * correctUsage): two such passes at once (replicas each running gc, or each starting a background
 * rebuild after a flushed Redis) add that difference twice, and count each orphan they both delete
 * twice. So they share one lease in the index, renewed while the pass runs; a pass that finds it
 * held by another process is skipped (the next one runs as usual).
 */
export const MAINTENANCE_LEASE = "maintenance";

/** Long enough that a renewal every third of it survives a busy event loop; a crashed holder blocks no longer. */
const LEASE_TTL_MS = 60_000;

/** `run`'s result, or undefined when another process holds the lease (nothing was done). */
export async function withMaintenanceLease<T>(index: Index, run: () => Promise<T>, ttlMs = LEASE_TTL_MS): Promise<T | undefined> {
  if (!index.lease) return run();
  const holder = randomUUID();
  // An index that refuses the write (Redis at maxmemory with noeviction) runs the pass unguarded, as
  // before leases: that pass's deletions are what frees the memory. Unreachable, the pass fails anyway.
  const taken = await index.lease(MAINTENANCE_LEASE, holder, ttlMs).catch(() => true);
  if (!taken) return undefined;
  // A failed renewal is not fatal: the pass goes on, as it would have without leases.
  const renew = setInterval(() => void index.lease!(MAINTENANCE_LEASE, holder, ttlMs).catch(() => {}), ttlMs / 3);
  renew.unref();
  try {
    return await run();
  } finally {
    clearInterval(renew);
    await index.releaseLease?.(MAINTENANCE_LEASE, holder).catch(() => {});
  }
}
