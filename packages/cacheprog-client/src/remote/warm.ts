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
import type { ZstdCodec } from "@gocacheprog/common/zstd";
import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import { type BackgroundSink, IntegrityError, type LocalTier } from "../tier.ts";
import type { RemoteClient } from "./http.ts";
import { codecOrNull, ReplyDecoder } from "./zstd-bodies.ts";

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

/** Bytes and entries received but not in place yet at most: beyond, the stream waits (bounded memory). */
const COMMITTING = { bytes: 16 << 20, entries: 64 };

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

/** An entry being received: the sink its bytes stream into. */
interface Receiving {
  actionHex: string;
  size: number;
  sink: BackgroundSink;
  /** For an entry in the zstd form: decodes its frames into the sink, bounded by its size. */
  decoder?: ReplyDecoder;
}

/**
 * Warm start, client side. Right after the handshake it asks the server for every entry of this
 * build key's recent manifests in ONE streamed response and streams each into the local tier as it
 * arrives (hashed while written: a corrupt entry is dropped, leaving nothing). A get for an announced entry
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
  /** Set when a get waited its full deadline: the stream is too slow to be waited for any more. */
  private stalled = false;
  /** The zstd codec, when this client has one (entries may then come compressed). */
  private zstd: ZstdCodec | null = null;
  /** Entries whose last frame came, being moved into place; and the bytes of every entry not yet in place. */
  private readonly committing = new Set<Promise<void>>();
  private pendingBytes = 0;

  constructor(
    private readonly local: LocalTier,
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
    // The codec first: the request asks for compressed entries exactly when this client can decode them.
    this.streaming = codecOrNull()
      .then((zstd) => {
        this.zstd = zstd;
        return this.client.prefetch(request, (chunk) => this.onChunk(splitter, chunk), this.abort.signal);
      })
      .then(() => {
        if (splitter.pending > 0) this.log.debug(`prefetch stream ended inside a frame (${splitter.pending} bytes)`);
      })
      .catch((err: Error) => {
        if (this.abort.signal.aborted) this.log.debug(`prefetch stopped: ${String(this.abort.signal.reason)}`);
        // Not a remote error in the stats' sense (no get became a miss by it): an older server
        // without warm start answers 404, and every get then simply takes the normal path.
        else this.log.debug(`prefetch failed: ${err.message}`);
      })
      .finally(async () => {
        clearTimeout(timer);
        if (this.receiving) this.drop(this.receiving, "the stream ended inside it");
        await Promise.all(this.committing);
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
      } else if (frame.entry) this.onEntry(frame.entry);
    }
    while (this.committing.size > 0 && (this.pendingBytes > COMMITTING.bytes || this.committing.size > COMMITTING.entries)) {
      await Promise.race(this.committing);
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

  /**
   * One entry frame. An entry streams into a sink of the local tier (a temp file hashed while
   * written), so no output is ever held whole in memory; only a verified finish makes it visible.
   * Its file calls run in node's thread pool: this thread only hashes, queues and answers go.
   */
  private onEntry(entry: IPrefetchEntry): void {
    const actionHex = Buffer.from(entry.actionId ?? []).toString("hex");
    const offset = Number(entry.offset ?? 0);
    const current = this.receiving;
    if (offset === 0 || entry.missing || current?.actionHex !== actionHex) {
      // Whatever was being received is over: a new entry starts, or the server gave up on this one.
      if (current) this.drop(current, current.actionHex === actionHex && entry.missing ? "missing" : "incomplete");
      if (entry.missing || offset !== 0) {
        this.announced.get(actionHex)?.settle();
        return;
      }
      this.receiving = this.open(actionHex, entry);
      if (!this.receiving) return;
    }
    const target = this.receiving!;
    try {
      const data = entry.data ?? new Uint8Array(0);
      for (const piece of target.decoder ? target.decoder.push(data) : [data]) target.sink.write(piece);
      if (!entry.last) return;
      this.receiving = undefined;
      target.decoder?.end();
      const committed = target.sink.finish().then(() => this.arrived(actionHex, target.size), this.failed.bind(this, target));
      const tracked = committed.finally(() => {
        this.committing.delete(tracked);
        this.pendingBytes -= target.size;
        this.announced.get(actionHex)?.settle();
      });
      this.committing.add(tracked);
    } catch (err) {
      this.failed(target, err as Error);
    }
  }

  private arrived(actionHex: string, size: number): void {
    this.stored.add(actionHex);
    this.stats.warmEntries++;
    this.stats.warmBytes += size;
  }
  private failed(target: Receiving, err: Error): void {
    if (err instanceof IntegrityError) this.stats.remoteCorrupt++;
    this.drop(target, err.message);
  }

  /** A sink for an entry's first frame; undefined (and the entry released) when it is not one to take. */
  private open(actionHex: string, entry: IPrefetchEntry): Receiving | undefined {
    const size = Number(entry.size ?? 0);
    // Unknown codecs and entries not announced or larger than the budget are skipped, never written.
    const codec = entry.codec ?? Codec.CODEC_NONE;
    const usable =
      this.announced.has(actionHex) &&
      (codec === Codec.CODEC_NONE || (codec === Codec.CODEC_ZSTD && this.zstd !== null)) &&
      size <= this.options.maxBytes &&
      entry.outputId?.length === 32;
    if (!usable) {
      this.announced.get(actionHex)?.settle();
      return undefined;
    }
    try {
      const putTime = new Date(Number(entry.putTimeUnixMs ?? 0));
      const sink = this.local.ingestInBackground(Buffer.from(actionHex, "hex"), Buffer.from(entry.outputId!), size, putTime);
      this.pendingBytes += size;
      return { actionHex, size, sink, decoder: codec === Codec.CODEC_ZSTD && this.zstd ? new ReplyDecoder(this.zstd, size) : undefined };
    } catch (err) {
      this.log.debug(`prefetched entry ${actionHex} not stored: ${(err as Error).message}`);
      this.announced.get(actionHex)?.settle();
      return undefined;
    }
  }

  private drop(entry: Receiving, why: string): void {
    void entry.sink.abort();
    if (this.receiving === entry) {
      this.receiving = undefined;
      this.pendingBytes -= entry.size;
    }
    this.log.debug(`prefetched entry ${entry.actionHex} not stored: ${why}`);
    this.announced.get(entry.actionHex)?.settle();
  }

  /**
   * Before a get looks at the local tier: waits (at most waitMs in all) for the announce, and then,
   * if the stream will bring this entry, for the entry itself.
   */
  async ready(actionHex: string): Promise<void> {
    if (this.stalled || (this.announce.settled && !this.announced.get(actionHex))) return;
    const started = performance.now();
    const within = async (pending: Promise<void>, ms: number) => {
      // One wait that runs out means the stream is stalled: no later get waits for it again, so a
      // hung server costs at most one lookup deadline in all, never one per entry.
      if (!(await settlesWithin(pending, Math.max(0, ms)))) this.stalled = true;
    };
    if (!this.announce.settled) await within(this.announce.done, this.options.waitMs);
    const entry = this.announced.get(actionHex);
    if (entry && !entry.settled && !this.stalled) await within(entry.done, this.options.waitMs - (performance.now() - started));
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
      this.log.debug(`manifest upload failed: ${(err as Error).message}`);
    }
  }
}
