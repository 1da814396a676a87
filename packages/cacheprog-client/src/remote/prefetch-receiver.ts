import { Codec, FrameSplitter, type IPrefetchEntry, PrefetchFrame } from "@gocacheprog/common/proto";
import type { ZstdCodec } from "@gocacheprog/common/zstd";
import { type BackgroundSink, type Hit, IntegrityError, type LocalTier } from "../tier.ts";
import { bodyBytesDone } from "./garbage.ts";
import { ReplyDecoder } from "./zstd-bodies.ts";

/** Announced entries checked against the local tier before the stream is let through. */
const LOCAL_SAMPLE = 32;

/**
 * Bytes and entries received but not in place yet at most: beyond, the stream waits (bounded memory).
 * These bytes are held as decoded buffers queued for the thread pool's writes, so the bound is the
 * client's memory: 4 MiB instead of 16 took peak RSS of a warm start (go build std, Node 24) from
 * 126-138 MB to 111-116 MB, with no change in go's time or the client's CPU (4 runs each, load 12-16).
 */
const COMMITTING = { bytes: 4 << 20, entries: 64 };

/** What the receiver tells its owner (WarmStart, directly or from the worker thread). */
export interface ReceiverEvents {
  /** The announce frame: every ActionID (hex) the stream will bring; `warmAlready` = the local tier holds them (stop). */
  announced(ids: string[], warmAlready: boolean): void;
  /** An entry is in the local tier, verified: `hit` is the answer to a get for it. */
  stored(actionHex: string, hit: Hit): void;
  /** An announced entry will not come (missing, unusable, truncated, corrupt: `corrupt`). */
  released(actionHex: string, why: string, corrupt: boolean): void;
}

/** The receiving half of a stream, as WarmStart and the warm worker drive it. */
export interface StreamReceiver {
  /** Takes the next bytes of the stream; resolves when the receiver can take more (back-pressure). */
  push(chunk: Buffer): Promise<void>;
  /** The stream is over (whole or not): drops an entry left half received, waits for the rest to be in place. Resolves with the bytes left inside a frame. */
  end(): Promise<number>;
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
 * Turns the bytes of a prefetch stream into local-tier entries: frames are cut and decoded, each
 * entry streams into a sink of the local tier (a temp file hashed while written), so no output is
 * ever held whole in memory, and only a verified finish makes it visible.
 */
export class PrefetchReceiver implements StreamReceiver {
  private readonly splitter = new FrameSplitter();
  private readonly announcedIds = new Set<string>();
  private receiving: Receiving | undefined;
  /** Entries whose last frame came, being moved into place; and the bytes of every entry not yet in place. */
  private readonly committing = new Set<Promise<void>>();
  private pendingBytes = 0;

  constructor(
    private readonly local: LocalTier,
    /** The zstd codec, when this side has one (entries may then come compressed). */
    private readonly zstd: ZstdCodec | null,
    private readonly maxBytes: number,
    private readonly events: ReceiverEvents,
  ) {}

  async push(chunk: Buffer): Promise<void> {
    for (const bytes of this.splitter.push(chunk)) {
      const frame = PrefetchFrame.decode(bytes);
      if (frame.announce) {
        const ids = (frame.announce.entries ?? []).filter((e) => e.actionId?.length === 32).map((e) => Buffer.from(e.actionId!));
        const warmAlready = await this.alreadyLocal(ids);
        if (!warmAlready) for (const id of ids) this.announcedIds.add(id.toString("hex"));
        this.events.announced(
          ids.map((id) => id.toString("hex")),
          warmAlready,
        );
        if (warmAlready) return;
      } else if (frame.entry) this.onEntry(frame.entry);
    }
    while (this.committing.size > 0 && (this.pendingBytes > COMMITTING.bytes || this.committing.size > COMMITTING.entries)) {
      await Promise.race(this.committing);
    }
    // A large entry is not committing until its last frame: its own queued writes are bounded too,
    // else the stream decodes all of it into memory ahead of the disk (a 30 MB archive of cmd).
    const current = this.receiving?.sink;
    if (current && current.queuedBytes > COMMITTING.bytes) await current.drained();
  }

  async end(): Promise<number> {
    if (this.receiving) this.drop(this.receiving, "the stream ended inside it");
    await Promise.all(this.committing);
    return this.splitter.pending;
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

  /** One entry frame: opens, feeds or finishes the entry being received. */
  private onEntry(entry: IPrefetchEntry): void {
    const actionHex = Buffer.from(entry.actionId ?? []).toString("hex");
    const offset = Number(entry.offset ?? 0);
    const current = this.receiving;
    if (offset === 0 || entry.missing || current?.actionHex !== actionHex) {
      // Whatever was being received is over: a new entry starts, or the server gave up on this one.
      if (current) this.drop(current, current.actionHex === actionHex && entry.missing ? "missing" : "incomplete");
      if (entry.missing || offset !== 0) {
        this.release(actionHex, entry.missing ? "missing" : "came without its start");
        return;
      }
      this.receiving = this.open(actionHex, entry);
      if (!this.receiving) return;
    }
    const target = this.receiving!;
    try {
      const data = entry.data ?? new Uint8Array(0);
      const pieces = target.decoder ? target.decoder.push(data) : [data];
      for (const piece of pieces) target.sink.write(piece);
      bodyBytesDone(data, pieces);
      if (!entry.last) return;
      this.receiving = undefined;
      target.decoder?.end();
      const committed = target.sink.finish().then(
        (hit) => this.events.stored(actionHex, hit),
        (err: Error) => this.failed(target, err),
      );
      const tracked = committed.finally(() => {
        this.committing.delete(tracked);
        this.pendingBytes -= target.size;
      });
      this.committing.add(tracked);
    } catch (err) {
      this.failed(target, err as Error);
    }
  }

  /** A sink for an entry's first frame; undefined (and the entry released) when it is not one to take. */
  private open(actionHex: string, entry: IPrefetchEntry): Receiving | undefined {
    const size = Number(entry.size ?? 0);
    // Unknown codecs and entries not announced or larger than the budget are skipped, never written.
    const codec = entry.codec ?? Codec.CODEC_NONE;
    const usable =
      this.announcedIds.has(actionHex) &&
      (codec === Codec.CODEC_NONE || (codec === Codec.CODEC_ZSTD && this.zstd !== null)) &&
      size <= this.maxBytes &&
      entry.outputId?.length === 32;
    if (!usable) {
      this.release(actionHex, "not usable here");
      return undefined;
    }
    try {
      const putTime = new Date(Number(entry.putTimeUnixMs ?? 0));
      const sink = this.local.ingestInBackground(Buffer.from(actionHex, "hex"), Buffer.from(entry.outputId!), size, putTime);
      this.pendingBytes += size;
      return { actionHex, size, sink, decoder: codec === Codec.CODEC_ZSTD && this.zstd ? new ReplyDecoder(this.zstd, size) : undefined };
    } catch (err) {
      this.release(actionHex, (err as Error).message);
      return undefined;
    }
  }

  private failed(target: Receiving, err: Error): void {
    this.drop(target, err.message, err instanceof IntegrityError);
  }

  private drop(entry: Receiving, why: string, corrupt = false): void {
    void entry.sink.abort();
    if (this.receiving === entry) {
      this.receiving = undefined;
      this.pendingBytes -= entry.size;
    }
    this.release(entry.actionHex, why, corrupt);
  }

  private release(actionHex: string, why: string, corrupt = false): void {
    if (this.announcedIds.has(actionHex)) this.events.released(actionHex, why, corrupt);
  }
}
