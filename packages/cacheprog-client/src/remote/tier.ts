import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import {
  type CacheTier,
  type Hit,
  IntegrityError,
  type LocalTier,
  MISS,
  type Miss,
  type PutBody,
  type PutOptions,
  type PutResult,
  putBodySize,
} from "../tier.ts";
import type { CircuitBreaker } from "./breaker.ts";
import { compilerOutputKey, followUpKey } from "./follow-ups.ts";
import { LocalStoreError, type RemoteClient, type RemoteEntry, type RemoteHit, RemoteRefusal } from "./http.ts";
import { type UploadOptions, Uploads } from "./uploads.ts";
import type { WarmStart } from "./warm.ts";

export interface RemoteTierOptions extends UploadOptions {
  /** How long close() waits for queued uploads before abandoning them. */
  drainTimeoutMs: number;
  /** Where the remote lives, for log lines (never includes credentials). */
  displayUrl: string;
  /** Warm start (remote/warm.ts): the prefetch stream and this session's manifest; absent = off. */
  warm?: WarmStart;
}

/**
 * Wraps the local tier: remote read on a local miss, write-behind upload after a local put. Every
 * remote problem (error, bad status, timeout, corrupt or truncated body, open breaker) turns into a
 * miss or a skipped upload; nothing here can fail or stall a go command beyond its deadlines.
 */
export class RemoteTier implements CacheTier {
  private readonly gets = new Map<string, Promise<Hit | Miss>>();
  /** Actions this process fetched from the remote: putting them back would upload what it already has. */
  private readonly fetched = new Map<string, string>();
  /** Prefetched actions go has not asked for yet (for the prefetch hit count). */
  private readonly prefetched = new Set<string>();
  /**
   * Whether go's last own lookup was a package-archive hit. go asks one thing at a time, so in a
   * warm build each archive lookup is followed by its compiler-output lookup one round trip later;
   * while warm, both go out together. A miss (a cold build) turns the speculation off again.
   */
  private warm = false;
  private readonly uploads: Uploads;
  private readonly warnedAbout = new Set<string>();

  constructor(
    private readonly local: LocalTier,
    private readonly client: RemoteClient,
    private readonly breaker: CircuitBreaker,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly options: RemoteTierOptions,
  ) {
    const complaints = {
      remoteFailed: (err: unknown) => this.remoteFailed(err),
      warnOnce: (key: string, message: string) => this.warnOnce(key, message),
    };
    this.uploads = new Uploads(client, breaker, stats, log, complaints, options);
  }

  async get(actionId: Buffer): Promise<Hit | Miss> {
    const actionHex = actionId.toString("hex");
    const [result, fromStream] = await this.lookup(actionId, actionHex);
    this.options.warm?.record(actionHex, result.hit, fromStream);
    return result;
  }

  /**
   * The protocol loop's fast path: a local hit is answered on the spot (entries arrive whole, by
   * rename, so one present is complete); a local miss, or an action whose fetch is in flight, is
   * undefined and takes get(), which asks the remote or waits for the prefetch stream.
   */
  getNow(actionId: Buffer): Hit | Miss | undefined {
    const actionHex = actionId.toString("hex");
    if (!this.local.getNow || this.gets.has(actionHex)) return undefined;
    const warm = this.options.warm;
    // An entry the stream is still bringing is not on disk yet: get() waits for it.
    if (warm?.coming(actionHex)) return undefined;
    const streamed = warm?.storedHit(actionHex);
    const local = streamed ?? this.local.getNow(actionId);
    if (!local?.hit) return undefined;
    if (this.prefetched.delete(actionHex)) this.stats.prefetchHits++;
    warm?.record(actionHex, true, streamed !== undefined);
    return this.seenAs(local, actionHex);
  }

  /** An entry this process brought from the remote is a remote hit, whichever tier answers now. */
  private seenAs(local: Hit, actionHex: string): Hit {
    return this.fetched.has(actionHex) || this.options.warm?.storedHit(actionHex) ? { ...local, source: "remote" } : local;
  }

  /** The answer, and whether the warm-start stream's copy gave it. */
  private async lookup(actionId: Buffer, actionHex: string): Promise<[Hit | Miss, boolean]> {
    if (this.prefetched.delete(actionHex)) this.stats.prefetchHits++;
    // go asks for the same action from several places at once (e.g. vet and build), and a prefetch
    // may already be on its way: one request serves all of them.
    const inFlight = this.gets.get(actionHex);
    if (inFlight) return [await inFlight, false];
    const warm = this.options.warm;
    if (warm) await warm.ready(actionHex);
    const streamed = warm?.storedHit(actionHex);
    const local = streamed ?? (await this.local.get(actionId));
    if (local.hit) return [this.seenAs(local, actionHex), streamed !== undefined];
    return [await (this.gets.get(actionHex) ?? this.startFetch(actionId, actionHex, true)), false];
  }

  private startFetch(actionId: Buffer, actionHex: string, followUps: boolean): Promise<Hit | Miss> {
    const shared = this.fetch(actionId, actionHex, followUps).finally(() => this.gets.delete(actionHex));
    this.gets.set(actionHex, shared);
    return shared;
  }

  /** Starts fetching what go will ask for next, unless it is already here or on its way. */
  private prefetch(actionId: Buffer): void {
    const actionHex = actionId.toString("hex");
    // Only a healthy remote gets speculation: an open breaker would send nothing (yet count it), and a
    // half-open one's single trial belongs to a lookup go is waiting for.
    if (this.gets.has(actionHex) || this.fetched.has(actionHex) || !this.breaker.isClosed) return;
    this.stats.remotePrefetches++;
    this.prefetched.add(actionHex);
    void this.startFetch(actionId, actionHex, false);
  }

  private async fetch(actionId: Buffer, actionHex: string, followUps: boolean): Promise<Hit | Miss> {
    if (!this.breaker.allow()) return MISS;
    if (followUps && this.warm) this.prefetch(compilerOutputKey(actionId));
    const started = performance.now();
    this.stats.remoteGets++;
    const open = (entry: RemoteEntry) => this.local.ingest(actionId, Buffer.from(entry.outputHex, "hex"), entry.size, entry.putTime);
    let fetched: RemoteHit | null;
    try {
      // The bytes stream into a temp file in the local tier and are verified there, never whole in memory.
      fetched = await this.client.lookup(actionHex, open);
      this.breaker.succeeded();
    } catch (err) {
      this.lookupFailed(err);
      return MISS;
    } finally {
      this.stats.remoteMs += performance.now() - started;
    }
    if (followUps) {
      const next = fetched ? followUpKey(actionId, fetched.head) : undefined;
      this.warm = next !== undefined;
      if (next) this.prefetch(next);
    }
    if (!fetched) return MISS;
    this.stats.remoteWireBytes += fetched.wireBytes;
    this.fetched.set(actionHex, fetched.entry.outputHex);
    return { ...fetched.hit, source: "remote" };
  }

  /** Only a remote that is unwell (connection errors, 5xx, timeouts) counts against the breaker. */
  private lookupFailed(err: unknown): void {
    if (err instanceof IntegrityError) {
      // The server answered; its bytes were wrong. A miss, and nothing was stored.
      this.breaker.succeeded();
      this.stats.remoteCorrupt++;
      this.warnOnce(
        "corrupt",
        `remote ${this.options.displayUrl} sent an output that does not match its OutputID or size; treated as a miss`,
      );
    } else if (err instanceof RemoteRefusal) {
      this.breaker.succeeded();
      this.stats.remoteErrors++;
      this.warnOnce("refused", `remote ${this.options.displayUrl} refused a lookup (${(err as Error).message}); treated as a miss`);
    } else if (err instanceof LocalStoreError) {
      this.breaker.released();
      this.warnOnce("store", `storing a remote hit locally failed (${err.message}); treated as a miss`);
    } else {
      this.remoteFailed(err);
    }
  }

  async put(actionId: Buffer, outputId: Buffer, body: PutBody, options?: PutOptions): Promise<PutResult> {
    const result = await this.local.put(actionId, outputId, body, options);
    this.options.warm?.recordPut(actionId.toString("hex"));
    if (this.uploads.on) {
      const actionHex = actionId.toString("hex");
      const outputHex = outputId.toString("hex");
      if (this.fetched.get(actionHex) === outputHex) this.stats.uploadsSkipped++;
      // From the local file in any case: one too large to hold goes up streamed from it (upload-bodies.ts).
      else this.uploads.offer({ actionHex, outputHex, size: putBodySize(body), diskPath: result.diskPath });
    }
    return result;
  }

  private remoteFailed(err: unknown): void {
    this.stats.remoteErrors++;
    const opened = this.breaker.failed();
    const reason = (err as Error).message || String(err);
    if (opened)
      this.warnOnce("breaker", `remote ${this.options.displayUrl} keeps failing (${reason}); using the local cache only for a while`);
    else this.log.debug(`remote request failed: ${reason}`);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warnedAbout.has(key)) return;
    this.warnedAbout.add(key);
    this.log.warn(message);
  }

  async close(): Promise<void> {
    // The manifest goes up beside the last uploads, within the same drain deadline.
    const manifest = this.options.warm?.finish(this.uploads.on && this.breaker.isClosed ? this.options.drainTimeoutMs : 0);
    await this.uploads.drain(this.options.drainTimeoutMs);
    await manifest;
    await this.client.close();
    await this.local.close();
  }
}
