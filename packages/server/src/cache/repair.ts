import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import type { BlobStore } from "../storage/blob/types.ts";
import { BackendUnavailableError } from "../storage/errors.ts";
import type { ActionRecord, Index } from "../storage/index/types.ts";
import { readRecordCopy, rebuildIndex, restoreRecord } from "./records.ts";
import type { StorageCalls } from "./storage-calls.ts";

/** A "complete" answer is trusted this long, so a miss costs one index call, not two. */
const COMPLETE_TRUST_MS = 5_000;
const REPAIR_INTERVAL_MS = 60_000;

export interface IndexRepairDeps {
  blobs: BlobStore;
  index: Index;
  calls: StorageCalls;
  logger: Logger;
  now: () => number;
}

/**
 * Finds action records while the index may be incomplete (a flushed or lost Redis): a miss in an
 * index not marked complete, or an index outage, falls back to the record copy in the blob store and
 * puts it back (lazy fill); meanwhile one background rebuild restores the rest and marks the index
 * complete again, after which misses cost the index alone.
 */
export class IndexRepair {
  private completeUntilMs = 0;
  private running: Promise<void> | undefined;
  private lastStartMs = -Infinity;
  private readonly stopping = new AbortController();

  /** Every lookup during an index outage would log it: one line per 30 s. */
  private readonly warnIndexDown: (fields: Record<string, unknown>) => void;

  constructor(private readonly deps: IndexRepairDeps) {
    this.warnIndexDown = throttledLog(deps.logger, "warn", "index unavailable; answering from record copies");
  }

  /** Index first; on a miss (flushed Redis) or an index outage, the record copy in the blob store. */
  async find(ns: string, actionHex: string): Promise<ActionRecord | null> {
    const { index, blobs, calls, now } = this.deps;
    let indexDown = false;
    try {
      const record = await calls.index("get", () => index.get(ns, actionHex));
      if (record) return record;
      // The common miss: a complete index is the whole truth, so S3 is not asked.
      if (await this.indexComplete()) return null;
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      indexDown = true;
      this.warnIndexDown({ err: err.message });
    }
    const record = await calls.blob("readRecordCopy", (signal) => readRecordCopy(blobs, ns, actionHex, signal, now()));
    if (!record) return null;
    if (indexDown) return record;
    // A removal that ran since the copy was read wins: the entry is a miss, as it would be a moment
    // later. A put that ran since wins too: its record is the answer.
    const outcome = await calls
      .index("restore", (signal) => restoreRecord(blobs, index, ns, actionHex, record, signal))
      .catch(() => "restored" as const);
    if (outcome === "present") return calls.index("get", () => index.get(ns, actionHex)).catch(() => record);
    return outcome === "restored" ? record : null;
  }

  private async indexComplete(): Promise<boolean> {
    const { now, calls, index } = this.deps;
    if (now() < this.completeUntilMs) return true;
    const complete = await calls.index("isComplete", () => index.isComplete());
    if (complete) this.completeUntilMs = now() + COMPLETE_TRUST_MS;
    else this.start();
    return complete;
  }

  /**
   * One background rebuild at a time (and not more than once per REPAIR_INTERVAL_MS): it restores
   * the records a flushed index lost and marks the index complete again. Lookups meanwhile fill
   * lazily from the record copies, so nothing waits for it.
   */
  start(): void {
    const { now, blobs, index, logger } = this.deps;
    if (this.running || this.stopping.signal.aborted || now() - this.lastStartMs < REPAIR_INTERVAL_MS) return;
    this.lastStartMs = now();
    this.running = rebuildIndex(blobs, index, { signal: this.stopping.signal })
      // busy: another replica is rebuilding; lookups fill lazily until it marks the index complete.
      .then((result) => logger.info(result, result.busy ? "index rebuild left to another process" : "index rebuilt from record copies"))
      .catch((err: Error) => logger.warn({ err: err.message }, "index rebuild failed; lookups keep filling lazily"))
      .finally(() => {
        this.running = undefined;
      });
  }

  /**
   * Ends a rebuild in progress and waits for it (a shutdown): closing the index under it would leave
   * its maintenance lease held, and the next gc pass or rebuild on this store skipped, for the lease's TTL.
   */
  async stop(): Promise<void> {
    this.stopping.abort(new Error("shutting down"));
    await this.running;
  }
}
