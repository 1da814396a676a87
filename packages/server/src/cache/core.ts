import { idToHex } from "@gocacheprog/common";
import type { NamespaceBudget } from "../auth/tokens.ts";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";
import type { BlobStore } from "../storage/blob/types.ts";
import { BackendUnavailableError } from "../storage/errors.ts";
import type { ActionRecord, Index } from "../storage/index/types.ts";
import { Manifests } from "./manifests.ts";
import { type OutputBody, Outputs, type OutputsOptions, type StoreResult, type UploadForm } from "./outputs.ts";
import { type PrefetchLimits, prefetchFrames } from "./prefetch.ts";
import { deleteRecordCopy, writeRecordCopy } from "./records.ts";
import { type RemoveOptions, removeEntry } from "./remove.ts";
import { IndexRepair } from "./repair.ts";
import { StorageCalls } from "./storage-calls.ts";
import { StorageFullWatch } from "./storage-full.ts";
import { overBudget, Usage } from "./usage.ts";

/** The output options pass through to cache/outputs.ts, so a new one there needs no change here. */
export interface CoreOptions extends OutputsOptions {
  backendTimeoutMs: number;
  /** Warm start: output reads in flight and bytes read ahead per prefetch stream. */
  prefetchConcurrency?: number;
  prefetchBufferBytes?: number;
  /** Last-access times only need eviction granularity; skipping most touches saves an index write per hit. */
  touchIntervalMs: number;
  /** gc's --max-age: prefetches keep the manifests they serve younger than that. */
  maxAgeMs?: number;
}

/** The size budgets a write checks after it is stored (gc enforces them; this only calls it early). */
export interface BudgetCheck {
  /** --max-size, shared by the namespaces without a budget of their own; 0 = unlimited. */
  maxSizeBytes: number;
  namespaces: ReadonlyMap<string, NamespaceBudget>;
  /** Called when a write leaves its namespace (or the shared pool) over budget: start a gc pass soon. */
  overBudget(): void;
}

export interface CoreDeps {
  blobs: BlobStore;
  index: Index;
  metrics: ServerMetrics;
  logger: Logger;
  options: CoreOptions;
  now?: () => number;
  budget?: BudgetCheck;
  /** Told of every build-cache lookup and put, by namespace (the status page's rolling counters). */
  observer?: CoreObserver;
}

/** Per-namespace activity, for status/activity.ts; the module proxy's reads and writes are not reported. */
export interface CoreObserver {
  lookup(namespace: string, hit: boolean, bytes: number): void;
  put(namespace: string, bytes: number): void;
}

export interface Hit {
  outputHex: string;
  /** Logical size of the output. */
  size: number;
  putTimeMs: number;
  /** Absent when the caller did not ask for it (HEAD). */
  body?: OutputBody;
  /** Set when `body` is the stored zstd form (the caller accepted it): its length. */
  zstdSize?: number;
}

export interface BatchHit {
  outputId: Buffer;
  size: number;
  putTimeMs: number;
  /** The output bytes when the record holds them itself (inline or empty). */
  inline?: Buffer;
}

export type PutResult = StoreResult | "linked";

/**
 * The cache semantics, independent of HTTP: an action maps to a record (index, with a durable copy in
 * the blob store) that refers to an output (cache/outputs.ts). Tests drive it through app.request().
 */
export class CacheCore {
  readonly blobs: BlobStore;
  readonly index: Index;
  private readonly metrics: ServerMetrics;
  private readonly logger: Logger;
  private readonly options: CoreOptions;
  private readonly now: () => number;
  private readonly calls: StorageCalls;
  private readonly outputs: Outputs;
  private readonly repair: IndexRepair;
  private readonly budget: BudgetCheck | undefined;
  private readonly observer: CoreObserver | undefined;
  /** Entries and stored bytes per namespace (budgets, --max-size on write, the status page). */
  readonly usage: Usage;
  /** Whether writes lately failed for lack of space (reported by /readyz; cleared by a write that succeeds). */
  readonly full: StorageFullWatch;
  private readonly warnIndexDown: (fields: Record<string, unknown>) => void;
  /** Build manifests (warm start). */
  readonly manifests: Manifests;

  constructor(deps: CoreDeps) {
    ({ blobs: this.blobs, index: this.index, metrics: this.metrics, logger: this.logger, options: this.options } = deps);
    this.now = deps.now ?? Date.now;
    this.budget = deps.budget;
    this.warnIndexDown = throttledLog(this.logger, "warn", "index unavailable; record kept in the blob store for lazy fill");
    this.observer = deps.observer;
    this.calls = new StorageCalls(this.metrics, this.options.backendTimeoutMs);
    this.full = new StorageFullWatch(this.logger, this.now);
    this.usage = new Usage({ index: this.index, calls: this.calls, logger: this.logger, now: this.now });
    const { blobs, calls, metrics, logger, options, usage } = this;
    this.outputs = new Outputs({ blobs, calls, metrics, logger, options, usage });
    this.repair = new IndexRepair({ blobs: this.blobs, index: this.index, calls: this.calls, logger: this.logger, now: this.now });
    const { maxAgeMs } = this.options;
    this.manifests = new Manifests({
      blobs: this.blobs,
      index: this.index,
      calls: this.calls,
      logger: this.logger,
      now: this.now,
      maxAgeMs,
    });
  }

  /**
   * The warm-start stream of a build key (cache/prefetch.ts): everything its recent manifests list
   * that is still held, read from the index and the blob store as the client consumes it.
   */
  async prefetch(ns: string, buildKeyHex: string, maxBytes: number, acceptZstd = false): Promise<AsyncGenerator<Uint8Array>> {
    const actionHexes = await this.manifests.forPrefetch(ns, buildKeyHex);
    const limits: PrefetchLimits = {
      concurrency: this.options.prefetchConcurrency ?? 16,
      bufferBytes: this.options.prefetchBufferBytes ?? 16 << 20,
      maxBytes,
    };
    return prefetchFrames(
      {
        records: (hexes) => this.calls.index("getMany", () => this.index.getMany(ns, hexes)),
        // A client that decodes our zstd form gets compressed outputs as stored (entries say their codec).
        open: async (record) => this.outputs.open(ns, record, true, acceptZstd),
        used: (actionHex, record) => {
          if (this.now() - record.lastAccessMs < this.options.touchIntervalMs) return;
          this.calls
            .index("touch", () => this.index.touch(ns, actionHex, this.now()))
            // As on the read path: under a slow index these fail by the thousand, one per streamed entry.
            .catch((err) => this.logger.debug({ err: err.message }, "touch failed"));
        },
        counted: (result, bytes) => {
          this.metrics.prefetchEntries.inc({ result });
          if (bytes > 0) this.metrics.bytesOut.inc(bytes);
          // An entry the stream delivers is one go will not have to look up: a hit for the status page.
          if (result === "sent") this.observer?.lookup(ns, true, bytes);
        },
      },
      actionHexes,
      limits,
    );
  }

  /**
   * null = miss. Throws BackendUnavailableError only when neither the index nor the record copy answers.
   * acceptZstd: the caller can decode our zstd form, so a compressed output comes as it is stored.
   */
  async lookup(ns: string, actionHex: string, wantBody: boolean, acceptZstd = false): Promise<Hit | null> {
    const hit = await this.read(ns, actionHex, wantBody, acceptZstd);
    this.metrics.lookups.inc({ result: hit ? "hit" : "miss" });
    this.observer?.lookup(ns, !!hit, hit && wantBody ? hit.size : 0);
    return hit;
  }

  /** lookup() without the build-cache lookup metric: the module proxy (gomod/) counts its own. */
  async read(ns: string, actionHex: string, wantBody: boolean, acceptZstd = false): Promise<Hit | null> {
    const record = await this.repair.find(ns, actionHex);
    const output = record && (await this.outputs.open(ns, record, wantBody, acceptZstd));
    // The record points at an output that is gone or was corrupt: drop it so lazy fill cannot revive it.
    if (record && !output) await this.forget(ns, actionHex);
    if (!record || !output) return null;
    if (this.now() - record.lastAccessMs >= this.options.touchIntervalMs) {
      this.calls
        .index("touch", () => this.index.touch(ns, actionHex, this.now()))
        // Only eviction order depends on it, and under load it times out by the thousand: debug, no stack.
        .catch((err) => this.logger.debug({ err: (err as Error).message }, "touch failed"));
    }
    const { size, body, zstdSize } = output;
    return { outputHex: idToHex(record.outputId), size, putTimeMs: record.putTimeMs, body, zstdSize };
  }

  /** An output by OutputID; null = absent, or corrupt (and then removed). */
  openOutput(ns: string, outputHex: string, wantBody: boolean, acceptZstd = false) {
    return this.outputs.openById(ns, outputHex, wantBody, acceptZstd);
  }

  /** Index only (no lazy fill): a batch answers from what the index holds right now. */
  async batchLookup(ns: string, actionHexes: readonly string[]): Promise<(BatchHit | null)[]> {
    const records = await this.calls.index("getMany", () => this.index.getMany(ns, actionHexes));
    return Promise.all(
      records.map(async (record) => {
        this.metrics.lookups.inc({ result: record ? "hit" : "miss" });
        this.observer?.lookup(ns, !!record, 0);
        if (!record) return null;
        const inline = await this.outputs.inlineBody(record);
        return { outputId: record.outputId, size: record.size, putTimeMs: record.putTimeMs, inline };
      }),
    );
  }

  /** Throws IntegrityError (400) when the body does not match; then nothing is stored or indexed. */
  async put(
    ns: string,
    actionHex: string,
    outputHex: string,
    size: number,
    body: AsyncIterable<Uint8Array>,
    form?: UploadForm,
  ): Promise<PutResult> {
    const result = await this.write(ns, actionHex, outputHex, size, body, form);
    this.metrics.outputsStored.inc({ result });
    this.observer?.put(ns, size);
    return result;
  }

  /** put() without the build-cache put metric: the module proxy (gomod/) counts its own. */
  async write(
    ns: string,
    actionHex: string,
    outputHex: string,
    size: number,
    body: AsyncIterable<Uint8Array>,
    form?: UploadForm,
  ): Promise<StoreResult> {
    return this.full.watch(async () => {
      const now = this.now();
      const { result, ref } = await this.outputs.store(ns, outputHex, size, body, form);
      await this.saveRecord(ns, actionHex, { ...ref, putTimeMs: now, lastAccessMs: now });
      if (this.budget) void overBudget(this.usage, this.budget, ns).catch(() => {});
      return result;
    });
  }

  /** Link-only put: true when the output is held with that size, false (409) when the client must upload it. */
  async link(ns: string, actionHex: string, outputHex: string, size: number): Promise<boolean> {
    const { ref } = await this.outputs.held(ns, outputHex, size);
    if (!ref) return false;
    const now = this.now();
    await this.full.watch(() => this.saveRecord(ns, actionHex, { ...ref, putTimeMs: now, lastAccessMs: now }));
    // A new entry all the same: an entry budget is spent by links as by uploads.
    if (this.budget) void overBudget(this.usage, this.budget, ns).catch(() => {});
    this.metrics.outputsStored.inc({ result: "linked" });
    this.observer?.put(ns, 0);
    return true;
  }

  /** An entry removed on request (cache/remove.ts); true when there was one. */
  remove(ns: string, actionHex: string, options: RemoveOptions): Promise<boolean> {
    const { blobs, index, calls, usage } = this;
    return removeEntry({ blobs, index, calls, usage }, ns, actionHex, options);
  }

  /**
   * The copy in the blob store is written first: it is what rebuild-index and lazy fill restore
   * from, so an index outage after it loses nothing (the put still succeeds).
   */
  private async saveRecord(ns: string, actionHex: string, record: ActionRecord): Promise<void> {
    await this.calls.blob("writeRecordCopy", () => writeRecordCopy(this.blobs, ns, actionHex, record));
    try {
      await this.calls.index("set", () => this.index.set(ns, actionHex, record));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      this.warnIndexDown({ err: err.message });
    }
  }

  /** The copy first, then the index entry, as every removal goes (records.ts, restoreRecord); each one whatever the other did. */
  private async forget(ns: string, actionHex: string): Promise<void> {
    await this.calls.blob("deleteRecordCopy", () => deleteRecordCopy(this.blobs, ns, actionHex)).catch(() => {});
    await this.calls.index("delete", () => this.index.delete(ns, actionHex)).catch(() => {});
  }

  async ready(): Promise<void> {
    await Promise.all([this.calls.index("ping", () => this.index.ping()), this.calls.blob("ping", () => this.blobs.ping())]);
  }

  async close(): Promise<void> {
    await this.repair.stop();
    await Promise.allSettled([this.index.close(), this.blobs.close()]);
  }
}
