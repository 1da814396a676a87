import { Codec, countAnnounced, FrameSplitter, type IPrefetchEntry, MAX_ANNOUNCED_ENTRIES, PrefetchFrame } from "@gocacheprog/common/proto";
import type { ZstdCodec } from "@gocacheprog/common/zstd";
import { type Hit, IntegrityError, isGoPutTime, type LocalTier, type OutputSink } from "../tier.ts";
import { bodyBytesDone } from "./garbage.ts";
import { ReplyDecoder } from "./zstd-bodies.ts";

/** Announced entries checked against the local tier before the stream is let through. */
const LOCAL_SAMPLE = 32;

/** What the receiver tells its owner (WarmStart). */
export interface ReceiverEvents {
  /** The announce frame: every ActionID (hex) the stream will bring; `warmAlready` = the local tier holds them (stop). */
  announced(ids: string[], warmAlready: boolean): void;
  /** An entry is in the local tier, verified: `hit` is the answer to a get for it. */
  stored(actionHex: string, hit: Hit): void;
  /** An announced entry will not come (missing, unusable, truncated, corrupt: `corrupt`). */
  released(actionHex: string, why: string, corrupt: boolean): void;
}

/** The receiving half of a stream, as WarmStart drives it. */
export interface StreamReceiver {
  /** Takes the next bytes of the stream; resolves when the receiver can take more (back-pressure). */
  push(chunk: Buffer): Promise<void>;
  /** The stream is over (whole or not): drops an entry left half received. Resolves with the bytes left inside a frame. */
  end(): Promise<number>;
}

/** An entry being received: the sink its bytes stream into. */
interface Receiving {
  actionHex: string;
  sink: OutputSink;
  /** An entry in the zstd form: the receiver's decoder, restarted for it, decodes its frames into the sink. */
  compressed: boolean;
}

/**
 * Turns the bytes of a prefetch stream into local-tier entries: frames are cut and decoded, each
 * entry streams into a sink of the local tier (a temp file hashed while written), so no output is
 * ever held whole in memory, and only a verified finish makes it visible.
 *
 * Every file call is synchronous, on the thread that answers go: a chunk is in its file before the
 * next is read, which is the stream's back-pressure. Writing the outputs above 64 KiB through node's
 * thread pool instead (a hand-off and a callback per call, their buffers queued meanwhile) cost more
 * than it saved: a warm-start `go build std`, 8 interleaved pairs, client CPU 1.65 -> 1.51 s and
 * wall 2.77 -> 2.57 s (medians) with everything synchronous.
 */
export class PrefetchReceiver implements StreamReceiver {
  private readonly splitter = new FrameSplitter();
  private readonly announcedIds = new Set<string>();
  private announceSeen = false;
  private receiving: Receiving | undefined;
  /** One decoder for the whole stream (its buffers serve every entry in turn). */
  private decoder: ReplyDecoder | undefined;

  constructor(
    private readonly local: LocalTier,
    /** The zstd codec, when this side has one (entries may then come compressed). */
    private readonly zstd: ZstdCodec | null,
    private readonly maxBytes: number,
    private readonly events: ReceiverEvents,
  ) {}

  async push(chunk: Buffer): Promise<void> {
    for (const bytes of this.splitter.push(chunk)) {
      // An empty announced entry is 2 bytes of an 8 MiB frame and an object once decoded: more than
      // any server lists are refused from the bytes, not after seconds of decoding on go's thread.
      if (countAnnounced(bytes, MAX_ANNOUNCED_ENTRIES) > MAX_ANNOUNCED_ENTRIES)
        throw new RangeError(`prefetch announce lists more than ${MAX_ANNOUNCED_ENTRIES} entries`);
      const frame = PrefetchFrame.decode(bytes);
      if (frame.announce) {
        // One announce per stream: each one's IDs are kept until the end, so more would grow without bound.
        if (this.announceSeen) throw new RangeError("prefetch stream sent a second announce frame");
        this.announceSeen = true;
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
  }

  async end(): Promise<number> {
    if (this.receiving) this.drop(this.receiving, "the stream ended inside it");
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
      const decoder = target.compressed ? this.decoder : undefined;
      if (decoder) decoder.push(data, (decoded) => target.sink.write(decoded));
      else target.sink.write(data);
      bodyBytesDone(data.length);
      if (!entry.last) return;
      this.receiving = undefined;
      decoder?.end();
      this.events.stored(actionHex, target.sink.finish());
    } catch (err) {
      this.failed(target, err as Error);
    }
  }

  /** A sink for an entry's first frame; undefined (and the entry released) when it is not one to take. */
  private open(actionHex: string, entry: IPrefetchEntry): Receiving | undefined {
    const size = Number(entry.size ?? 0);
    // Unknown codecs, entries not announced or larger than the budget, and put times go cannot read
    // are skipped, never written.
    const codec = entry.codec ?? Codec.CODEC_NONE;
    const usable =
      this.announcedIds.has(actionHex) &&
      (codec === Codec.CODEC_NONE || (codec === Codec.CODEC_ZSTD && this.zstd !== null)) &&
      size <= this.maxBytes &&
      entry.outputId?.length === 32 &&
      isGoPutTime(Number(entry.putTimeUnixMs ?? 0));
    if (!usable) {
      this.release(actionHex, "not usable here");
      return undefined;
    }
    try {
      const putTime = new Date(Number(entry.putTimeUnixMs ?? 0));
      const sink = this.local.ingest(Buffer.from(actionHex, "hex"), Buffer.from(entry.outputId!), size, putTime);
      const compressed = codec === Codec.CODEC_ZSTD && this.zstd !== null;
      if (compressed) {
        if (this.decoder) this.decoder.restart(size);
        else this.decoder = new ReplyDecoder(this.zstd!, size);
      }
      return { actionHex, sink, compressed };
    } catch (err) {
      this.release(actionHex, (err as Error).message);
      return undefined;
    }
  }

  private failed(target: Receiving, err: Error): void {
    this.drop(target, err.message, err instanceof IntegrityError);
  }

  private drop(entry: Receiving, why: string, corrupt = false): void {
    entry.sink.abort();
    if (this.receiving === entry) this.receiving = undefined;
    this.release(entry.actionHex, why, corrupt);
  }

  private release(actionHex: string, why: string, corrupt = false): void {
    if (this.announcedIds.has(actionHex)) this.events.released(actionHex, why, corrupt);
  }
}
