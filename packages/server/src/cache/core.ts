import { idToHex, sha256Hex } from "@gocacheprog/common";
import { type BlobBody, checkDigest, drainVerified, guardUpload, readVerified, timed, verifyWhileStreaming } from "../backend.ts";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";
import type { BlobStore } from "../storage/blob/types.ts";
import { BackendUnavailableError, IntegrityError } from "../storage/errors.ts";
import type { ActionRecord, Index } from "../storage/index/types.ts";
import { outputKey } from "../storage/keys.ts";
import { deleteRecordCopy, readRecordCopy, rebuildIndex, writeRecordCopy } from "./records.ts";

export interface CoreOptions {
  inlineMax: number;
  verifyBufferMax: number;
  backendTimeoutMs: number;
  /** Last-access times only need eviction granularity; skipping most touches saves an index write per hit. */
  touchIntervalMs: number;
}

const COMPLETE_TRUST_MS = 5_000;
const REPAIR_INTERVAL_MS = 60_000;

export interface CoreDeps {
  blobs: BlobStore;
  index: Index;
  metrics: ServerMetrics;
  logger: Logger;
  options: CoreOptions;
  now?: () => number;
}

export type OutputBody = Buffer | BlobBody;
export interface Hit {
  record: ActionRecord;
  outputHex: string;
  /** Absent when the caller did not ask for it (HEAD). */
  body?: OutputBody;
}
export type PutResult = "inline" | "stored" | "deduplicated" | "linked";

/** The cache semantics, independent of HTTP: tests drive it through app.request() with fakes. */
export class CacheCore {
  readonly blobs: BlobStore;
  readonly index: Index;
  private readonly metrics: ServerMetrics;
  private readonly logger: Logger;
  private readonly options: CoreOptions;
  private readonly now: () => number;
  /** A "complete" answer is trusted this long, so a miss costs one index call, not two. */
  private completeUntilMs = 0;
  private repair: Promise<void> | undefined;
  private lastRepairMs = -Infinity;

  constructor(deps: CoreDeps) {
    ({ blobs: this.blobs, index: this.index, metrics: this.metrics, logger: this.logger, options: this.options } = deps);
    this.now = deps.now ?? Date.now;
  }

  private blob<T>(op: string, call: () => Promise<T>): Promise<T> {
    return timed(this.metrics, this.options.backendTimeoutMs, "blob", op, call);
  }
  private idx<T>(op: string, call: () => Promise<T>): Promise<T> {
    return timed(this.metrics, this.options.backendTimeoutMs, "index", op, call);
  }

  /** null = miss. Throws BackendUnavailableError only when neither the index nor the record copy answers. */
  async lookup(ns: string, actionHex: string, wantBody: boolean): Promise<Hit | null> {
    const record = await this.findRecord(ns, actionHex);
    const hit = record && (await this.openOutput(ns, actionHex, record, wantBody));
    this.metrics.lookups.inc({ result: hit ? "hit" : "miss" });
    if (hit && this.now() - record.lastAccessMs >= this.options.touchIntervalMs) {
      this.idx("touch", () => this.index.touch(ns, actionHex, this.now())).catch((err) => this.logger.warn({ err }, "touch failed"));
    }
    return hit;
  }

  /** Index first; on a miss (flushed Redis) or an index outage, the record copy in the blob store. */
  private async findRecord(ns: string, actionHex: string): Promise<ActionRecord | null> {
    let indexDown = false;
    try {
      const record = await this.idx("get", () => this.index.get(ns, actionHex));
      if (record) return record;
      // The common miss: a complete index is the whole truth, so S3 is not asked.
      if (await this.indexComplete()) return null;
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      indexDown = true;
      this.logger.warn({ err: err.message }, "index unavailable; answering from record copies");
    }
    const record = await this.blob("readRecordCopy", () => readRecordCopy(this.blobs, ns, actionHex));
    if (!record) return null;
    if (!indexDown) await this.idx("set", () => this.index.set(ns, actionHex, record)).catch(() => {});
    return record;
  }

  private async indexComplete(): Promise<boolean> {
    if (this.now() < this.completeUntilMs) return true;
    const complete = await this.idx("isComplete", () => this.index.isComplete());
    if (complete) this.completeUntilMs = this.now() + COMPLETE_TRUST_MS;
    else this.startRepair();
    return complete;
  }

  /**
   * One background rebuild at a time (and not more than once per REPAIR_INTERVAL_MS): it restores
   * the records a flushed index lost and marks the index complete again. Lookups meanwhile fill
   * lazily from the record copies, so nothing waits for it.
   */
  startRepair(): void {
    if (this.repair || this.now() - this.lastRepairMs < REPAIR_INTERVAL_MS) return;
    this.lastRepairMs = this.now();
    this.repair = rebuildIndex(this.blobs, this.index)
      .then((result) => this.logger.info(result, "index rebuilt from record copies"))
      .catch((err: Error) => this.logger.warn({ err: err.message }, "index rebuild failed; lookups keep filling lazily"))
      .finally(() => {
        this.repair = undefined;
      });
  }

  private async openOutput(ns: string, actionHex: string, record: ActionRecord, wantBody: boolean): Promise<Hit | null> {
    const outputHex = idToHex(record.outputId);
    if (record.inline || record.size === 0) return { record, outputHex, body: record.inline ?? Buffer.alloc(0) };
    const output = await this.openBlob(ns, outputHex, record.size, wantBody);
    if (output === null) {
      // The record points at an output that is gone or was corrupt: drop it so lazy fill cannot revive it.
      await this.forget(ns, actionHex);
      return null;
    }
    return { record, outputHex, body: output.body };
  }

  /** null = absent, or corrupt (and then removed). `body` is absent when not wanted (HEAD). */
  async openBlob(
    ns: string,
    outputHex: string,
    expectedSize: number | undefined,
    wantBody: boolean,
  ): Promise<{ size: number; body?: OutputBody } | null> {
    const key = outputKey(ns, outputHex);
    const corrupt = (reason: string) => {
      void this.removeCorrupt(key, reason);
      return null;
    };
    if (!wantBody) {
      const head = await this.blob("head", () => this.blobs.head(key));
      if (!head) return null;
      if (expectedSize !== undefined && head.size !== expectedSize) return corrupt(`size ${head.size}, expected ${expectedSize}`);
      return { size: head.size };
    }
    if (expectedSize !== undefined && expectedSize <= this.options.verifyBufferMax) {
      // Most outputs are small: one whole read (a single syscall or S3 GET) beats streaming them.
      const data = await this.blob("getBytes", () => this.blobs.getBytes(key));
      if (!data) return null;
      try {
        checkDigest(data.byteLength, sha256Hex(data), expectedSize, outputHex);
      } catch (err) {
        return corrupt((err as Error).message);
      }
      return { size: data.byteLength, body: data };
    }
    const got = await this.blob("get", () => this.blobs.get(key));
    if (!got) return null;
    const { size, body } = got;
    if (expectedSize !== undefined && size !== expectedSize) {
      body.destroy?.();
      return corrupt(`size ${size}, expected ${expectedSize}`);
    }
    if (size > this.options.verifyBufferMax) return { size, body: verifyWhileStreaming(body, size, outputHex, corrupt) };
    try {
      return { size, body: await readVerified(body, size, outputHex) };
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      return corrupt(err.message);
    }
  }

  private async removeCorrupt(key: string, reason: string): Promise<void> {
    this.metrics.corruptBlobs.inc();
    this.logger.error({ key, reason }, "stored output failed verification; removed");
    await this.blob("delete", () => this.blobs.delete(key)).catch((err) =>
      this.logger.warn({ err, key }, "could not remove corrupt output"),
    );
  }

  private async forget(ns: string, actionHex: string): Promise<void> {
    await Promise.allSettled([
      this.idx("delete", () => this.index.delete(ns, actionHex)),
      this.blob("deleteRecordCopy", () => deleteRecordCopy(this.blobs, ns, actionHex)),
    ]);
  }

  async batchLookup(ns: string, actionHexes: readonly string[]): Promise<(ActionRecord | null)[]> {
    const records = await this.idx("getMany", () => this.index.getMany(ns, actionHexes));
    for (const record of records) this.metrics.lookups.inc({ result: record ? "hit" : "miss" });
    return records;
  }

  /** Throws IntegrityError (400) when the body does not match; then nothing is stored or indexed. */
  async put(ns: string, actionHex: string, outputHex: string, size: number, body: AsyncIterable<Uint8Array>): Promise<PutResult> {
    const upload = guardUpload(body, size);
    const now = this.now();
    const record: ActionRecord = { outputId: Buffer.from(outputHex, "hex"), size, putTimeMs: now, lastAccessMs: now };
    let result: PutResult;
    if (size <= this.options.inlineMax) {
      record.inline = await readVerified(upload, size, outputHex);
      result = "inline";
    } else {
      const key = outputKey(ns, outputHex);
      const existing = await this.blob("head", () => this.blobs.head(key));
      if (existing?.size === size) {
        // Content-addressed and already held: prove the client's claim anyway, store nothing new.
        await drainVerified(upload, size, outputHex);
        result = "deduplicated";
      } else {
        // Uploads are not raced against the deadline: their duration depends on the client.
        await this.blobs.put(key, upload, { size, sha256Hex: outputHex });
        result = "stored";
      }
    }
    await this.saveRecord(ns, actionHex, record);
    this.metrics.outputsStored.inc({ result });
    return result;
  }

  /** Link-only put: true when the output is held with that size, false (409) when the client must upload it. */
  async link(ns: string, actionHex: string, outputHex: string, size: number): Promise<boolean> {
    const head = await this.blob("head", () => this.blobs.head(outputKey(ns, outputHex)));
    if (head?.size !== size) return false;
    const now = this.now();
    await this.saveRecord(ns, actionHex, { outputId: Buffer.from(outputHex, "hex"), size, putTimeMs: now, lastAccessMs: now });
    this.metrics.outputsStored.inc({ result: "linked" });
    return true;
  }

  /**
   * The copy in the blob store is written first: it is what rebuild-index and lazy fill restore
   * from, so an index outage after it loses nothing (the put still succeeds).
   */
  private async saveRecord(ns: string, actionHex: string, record: ActionRecord): Promise<void> {
    await this.blob("writeRecordCopy", () => writeRecordCopy(this.blobs, ns, actionHex, record));
    try {
      await this.idx("set", () => this.index.set(ns, actionHex, record));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      this.logger.warn({ err: err.message }, "index unavailable; record kept in the blob store for lazy fill");
    }
  }

  async ready(): Promise<void> {
    await Promise.all([this.idx("ping", () => this.index.ping()), this.blob("ping", () => this.blobs.ping())]);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.index.close(), this.blobs.close()]);
  }
}
