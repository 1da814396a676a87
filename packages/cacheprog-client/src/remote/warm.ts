import { settlesWithin } from "@gocacheprog/common";
import {
  Codec,
  FrameSplitter,
  type IPrefetchEntry,
  MAX_MANIFEST_IDS,
  ManifestUpload,
  PrefetchFrame,
  PrefetchRequest,
} from "@gocacheprog/common/proto";
import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import { type CacheTier, IntegrityError } from "../tier.ts";
import type { RemoteClient } from "./http.ts";

export interface WarmStartOptions {
  buildKey: Buffer;
  /** Output bytes the stream may bring at most (the server announces no more). */
  maxBytes: number;
  /** The whole stream is cut after this long. */
  timeoutMs: number;
  /** Longest a get waits for an announced entry: the normal lookup deadline, so go is never slower than without. */
  waitMs: number;
  /** false for read-only tokens or --readonly: no manifest is uploaded. */
  uploadManifest: boolean;
}

/** Announced entries checked against the local tier before the stream is let through. */
const LOCAL_SAMPLE = 32;

interface Arrival {
  settled: boolean;
  done: Promise<void>;
  settle: () => void;
}

function arrival(): Arrival {
  let settle!: () => void;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const a: Arrival = { settled: false, done, settle: () => {} };
  a.settle = () => {
    a.settled = true;
    settle();
  };
  return a;
}

/** An entry being received: its first frame's fields and the chunks so far. */
interface Receiving {
  actionHex: string;
  head: IPrefetchEntry;
  size: number;
  chunks: Buffer[];
  received: number;
}

/**
 * Warm start, client side. Right after the handshake it asks the server for every entry of this
 * build key's recent manifests in ONE streamed response and writes each into the local tier as it
 * arrives (the local tier re-hashes it: a corrupt entry is dropped). A get for an announced entry
 * that has not arrived yet waits for it (at most waitMs); anything else takes the normal path. At
 * the end it uploads this session's manifest: every ActionID go looked up with a hit or put.
 */
export class WarmStart {
  private readonly announce = arrival();
  private announced = new Map<string, Arrival>();
  /** What the server's manifests listed (even when the stream was skipped): a session that matches it uploads nothing. */
  private predicted = new Set<string>();
  /** Entries the stream stored locally (ActionID hex); a get answered from one counts as used. */
  readonly stored = new Set<string>();
  private readonly used = new Set<string>();
  /** This session's manifest, in the order go first touched each ID. */
  private readonly session = new Set<string>();
  private readonly abort = new AbortController();
  private streaming: Promise<void> = Promise.resolve();

  constructor(
    private readonly local: CacheTier,
    private readonly client: RemoteClient,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly options: WarmStartOptions,
  ) {}

  start(): void {
    const timer = setTimeout(() => this.abort.abort(new Error("prefetch time budget spent")), this.options.timeoutMs);
    timer.unref();
    const request = PrefetchRequest.encode({ buildKey: this.options.buildKey, maxBytes: this.options.maxBytes }).finish();
    const splitter = new FrameSplitter();
    this.streaming = this.client
      .prefetch(request, (chunk) => this.onChunk(splitter, chunk), this.abort.signal)
      .then(() => {
        if (splitter.pending > 0) this.log.debug(`prefetch stream ended inside a frame (${splitter.pending} bytes)`);
      })
      .catch((err: Error) => {
        if (this.abort.signal.aborted) this.log.debug(`prefetch stopped: ${String(this.abort.signal.reason)}`);
        else {
          this.stats.remoteErrors++;
          this.log.debug(`prefetch failed: ${err.message}`);
        }
      })
      .finally(() => {
        clearTimeout(timer);
        // Whatever did not come takes the normal path now, without waiting any longer.
        this.announce.settle();
        for (const a of this.announced.values()) a.settle();
      });
  }

  private async onChunk(splitter: FrameSplitter, chunk: Buffer): Promise<void> {
    for (const bytes of splitter.push(chunk)) {
      const frame = PrefetchFrame.decode(bytes);
      if (frame.announce) {
        const ids = (frame.announce.entries ?? []).filter((e) => e.actionId?.length === 32).map((e) => Buffer.from(e.actionId!));
        this.predicted = new Set(ids.map((id) => id.toString("hex")));
        if (await this.alreadyLocal(ids)) {
          // A warm local tier (a developer's machine): the stream would only bring what is here.
          this.log.debug(`prefetch skipped: the local tier already holds this build's entries`);
          this.abort.abort(new Error("local tier already warm"));
          return;
        }
        for (const id of ids) this.announced.set(id.toString("hex"), arrival());
        this.announce.settle();
      } else if (frame.entry) await this.onEntry(frame.entry);
    }
  }

  /** Whether a sample of the announced entries (up to LOCAL_SAMPLE, spread out) is nearly all in the local tier. */
  private async alreadyLocal(ids: Buffer[]): Promise<boolean> {
    if (ids.length === 0) return false;
    const step = Math.max(1, Math.floor(ids.length / LOCAL_SAMPLE));
    const sample = ids.filter((_, i) => i % step === 0).slice(0, LOCAL_SAMPLE);
    const found = await Promise.all(
      sample.map((id) =>
        this.local.get(id).then(
          (r) => r.hit,
          () => false,
        ),
      ),
    );
    return found.filter(Boolean).length >= sample.length * 0.9;
  }

  private receiving: Receiving | undefined;

  private async onEntry(entry: IPrefetchEntry): Promise<void> {
    const actionHex = Buffer.from(entry.actionId ?? []).toString("hex");
    const offset = Number(entry.offset ?? 0);
    if (entry.missing || (offset > 0 && this.receiving?.actionHex !== actionHex)) {
      if (this.receiving?.actionHex === actionHex) this.receiving = undefined;
      this.announced.get(actionHex)?.settle();
      return;
    }
    if (offset === 0) {
      const size = Number(entry.size ?? 0);
      // Unknown codecs and entries larger than announced or than the budget are skipped, never buffered.
      const usable =
        this.announced.has(actionHex) && (entry.codec ?? Codec.CODEC_NONE) === Codec.CODEC_NONE && size <= this.options.maxBytes;
      this.receiving = usable ? { actionHex, head: entry, size, chunks: [], received: 0 } : undefined;
      if (!usable) this.announced.get(actionHex)?.settle();
    }
    const current = this.receiving;
    if (!current || current.actionHex !== actionHex) return;
    const data = Buffer.from(entry.data ?? []);
    if (offset !== current.received || current.received + data.length > current.size) {
      this.receiving = undefined;
      this.announced.get(actionHex)?.settle();
      return;
    }
    current.chunks.push(data);
    current.received += data.length;
    if (entry.last) {
      this.receiving = undefined;
      await this.store(current);
    }
  }

  private async store(entry: Receiving): Promise<void> {
    const { actionHex, head } = entry;
    try {
      if (entry.received !== entry.size) throw new IntegrityError(`entry ended at ${entry.received} of ${entry.size} bytes`);
      const body = Buffer.concat(entry.chunks, entry.size);
      const putTime = new Date(Number(head.putTimeUnixMs ?? 0));
      await this.local.put(Buffer.from(actionHex, "hex"), Buffer.from(head.outputId ?? []), body, { putTime });
      this.stored.add(actionHex);
      this.stats.warmEntries++;
      this.stats.warmBytes += entry.size;
    } catch (err) {
      if (err instanceof IntegrityError) this.stats.remoteCorrupt++;
      this.log.debug(`prefetched entry ${actionHex} not stored: ${(err as Error).message}`);
    } finally {
      this.announced.get(actionHex)?.settle();
    }
  }

  /**
   * Before a get looks at the local tier: waits (at most waitMs in all) for the announce, and then,
   * if the stream will bring this entry, for the entry itself.
   */
  async ready(actionHex: string): Promise<void> {
    if (this.announce.settled && !this.announced.get(actionHex)) return;
    const started = performance.now();
    const within = (pending: Promise<void>, ms: number) => settlesWithin(pending, Math.max(0, ms));
    if (!this.announce.settled) await within(this.announce.done, this.options.waitMs);
    const entry = this.announced.get(actionHex);
    if (entry && !entry.settled) await within(entry.done, this.options.waitMs - (performance.now() - started));
  }

  /** A get ended as a hit or go put the entry: it goes into this session's manifest. */
  record(actionHex: string, hit: boolean): void {
    if (this.session.size < MAX_MANIFEST_IDS) this.session.add(actionHex);
    if (hit && this.stored.has(actionHex) && !this.used.has(actionHex)) {
      this.used.add(actionHex);
      this.stats.warmUsed++;
    }
  }

  /**
   * At session end: stops the stream, then uploads this session's manifest unless it is exactly what
   * the server predicted (nothing to learn), within `deadlineMs`.
   */
  async finish(deadlineMs: number): Promise<void> {
    this.abort.abort(new Error("session ended"));
    await this.streaming;
    this.stats.warmWasted = this.stats.warmEntries - this.stats.warmUsed;
    if (!this.options.uploadManifest || deadlineMs <= 0 || this.session.size === 0) return;
    const unchanged = this.session.size === this.predicted.size && [...this.session].every((hex) => this.predicted.has(hex));
    if (unchanged) return;
    const body = ManifestUpload.encode({
      buildKey: this.options.buildKey,
      actionIds: [...this.session].map((hex) => Buffer.from(hex, "hex")),
    }).finish();
    try {
      const outcome = await this.client.uploadManifest(body, deadlineMs);
      if (outcome === "stored") this.stats.manifestIds = this.session.size;
    } catch (err) {
      this.stats.remoteErrors++;
      this.log.debug(`manifest upload failed: ${(err as Error).message}`);
    }
  }
}
