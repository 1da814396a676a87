import { settlesWithin } from "@gocacheprog/common";
import { MAX_MANIFEST_IDS, ManifestUpload, PrefetchRequest } from "@gocacheprog/common/proto";
import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import type { Hit, LocalTier } from "../tier.ts";
import { subkey } from "./follow-ups.ts";
import type { RemoteClient } from "./http.ts";
import { PrefetchReceiver, type ReceiverEvents, type StreamReceiver } from "./prefetch-receiver.ts";
import { codecOrNull } from "./zstd-bodies.ts";

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
  /** false for a go command that never reads source-file lists back (go build): see dropSourceLists. */
  keepSourceLists?: boolean;
}

/**
 * Longest the stream works before the event loop gets a turn. Its chunks come faster than they are
 * written (a near server, a socket buffer of megabytes), and a loop over buffered chunks runs on
 * microtasks alone: go's requests then waited in the pipe, unread, until the buffer ran dry. During a
 * warm start of `go build std` the event loop turned 32-37 times in the stream's 1.3-1.5 s (delay:
 * mean 38-41 ms, max 88-93 ms), and go, which asks one package's entries at a time while it loads
 * packages, sent 2 gets per ~90 ms for its first second. A turn (setImmediate runs after the poll
 * phase that reads stdin) every 2 ms: 178-190 turns, mean delay 8-10 ms, go's gets spread over the stream.
 */
const STREAM_TURN_MS = 2;

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

/**
 * Warm start, client side. Right after the handshake it asks the server for every entry of this
 * build key's recent manifests in ONE streamed response and streams each into the local tier as it
 * arrives (prefetch-receiver.ts: hashed while written, a corrupt entry is dropped, leaving nothing). A
 * get for an announced entry that has not arrived yet waits for it (at most waitMs); anything else
 * takes the normal path. At the end it uploads this session's manifest: every ActionID go looked up
 * with a hit or put.
 */
export class WarmStart {
  private readonly announce = arrival();
  private announced = new Map<string, Arrival>();
  /** What the server's manifests listed (even when the stream was skipped): a session that matches it uploads nothing. */
  private predicted = new Set<string>();
  /**
   * Entries the stream stored locally (ActionID hex), with the answer to a get for each: go's get is
   * answered from here without reading the record back from disk, where the stream's file creations
   * in the same directories make every lookup wait (a get answered from one counts as used).
   */
  private readonly stored = new Map<string, Hit>();
  private readonly used = new Set<string>();
  /** This session's manifest, in the order go first touched each ID. */
  private readonly session = new Set<string>();
  /** The IDs go looked up (the rest of the manifest it only put). */
  private readonly asked = new Set<string>();
  private readonly abort = new AbortController();
  private streaming: Promise<void> = Promise.resolve();
  /** Set when the announce found the local tier already holding this build's entries (the stream stops). */
  localAlready = false;
  /** Why the stream ended before its end frame (an error or an abort's reason); undefined when whole. */
  failure: string | undefined;
  /** When the stream last brought bytes (performance.now()). */
  private lastProgress = performance.now();
  /** Set when a get waited its full deadline: the stream is too slow to be waited for any more. */
  private stalled = false;

  constructor(
    private readonly local: LocalTier,
    private readonly client: RemoteClient,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly options: WarmStartOptions,
  ) {}

  /**
   * Starts the stream. `stallMs`: cut it when no byte came for that long (the warm command, which
   * waits for the whole stream; a session never waits longer than one lookup deadline anyway).
   */
  start(stallMs?: number): void {
    const timer = setTimeout(() => this.abort.abort(new Error("prefetch time budget spent")), this.options.timeoutMs);
    timer.unref();
    const watchdog =
      stallMs === undefined
        ? undefined
        : setInterval(
            () => {
              if (performance.now() - this.lastProgress > stallMs) this.abort.abort(new Error(`no bytes for ${stallMs} ms`));
            },
            Math.min(1000, stallMs),
          );
    watchdog?.unref();
    const request = PrefetchRequest.encode({ buildKey: this.options.buildKey, maxBytes: this.options.maxBytes }).finish();
    let receiver: StreamReceiver | undefined;
    // The codec first: the request asks for compressed entries exactly when this client can decode them.
    this.streaming = codecOrNull()
      .then((zstd) => {
        receiver ??= new PrefetchReceiver(this.local, zstd, this.options.maxBytes, this.events);
        const into = receiver;
        let turnStarted = performance.now();
        return this.client.prefetch(
          request,
          async (chunk) => {
            this.lastProgress = performance.now();
            await into.push(chunk);
            if (performance.now() - turnStarted < STREAM_TURN_MS) return;
            await new Promise(setImmediate);
            turnStarted = performance.now();
          },
          this.abort.signal,
        );
      })
      .catch((err: Error) => {
        const reason = this.abort.signal.reason;
        this.failure = this.abort.signal.aborted
          ? `stopped: ${reason instanceof Error ? reason.message : String(reason)}`
          : `failed: ${err.message}`;
        // Not a remote error in the stats' sense (no get became a miss by it): an older server
        // without warm start answers 404, and every get then simply takes the normal path.
        this.log.debug(`prefetch ${this.failure}`);
      })
      .finally(async () => {
        clearTimeout(timer);
        clearInterval(watchdog);
        const pending = await receiver?.end().catch((err: Error) => {
          this.log.debug(`prefetch receiver failed: ${err.message}`);
          return 0;
        });
        if (pending) this.log.debug(`prefetch stream ended inside a frame (${pending} bytes)`);
        // Whatever did not come takes the normal path now, without waiting any longer.
        this.announce.settle();
        for (const a of this.announced.values()) a.settle();
      });
  }

  /** Resolves once the stream is over (whole, cut, refused or never started); never rejects. */
  settled(): Promise<void> {
    return this.streaming;
  }

  /** Entries the server's manifests listed for this key (0 before the announce, or when it had none). */
  get predictedEntries(): number {
    return this.predicted.size;
  }

  /** What the receiver reports, on whichever thread it runs. */
  private readonly events: ReceiverEvents = {
    announced: (ids, warmAlready) => {
      this.predicted = new Set(ids);
      if (warmAlready) {
        this.localAlready = true;
        // A warm local tier (a developer's machine): the stream would only bring what is here.
        this.log.debug(`prefetch skipped: the local tier already holds this build's entries`);
        this.abort.abort(new Error("local tier already warm"));
        return;
      }
      for (const id of ids) this.announced.set(id, arrival());
      this.announce.settle();
    },
    stored: (actionHex, hit) => {
      this.stored.set(actionHex, hit);
      this.stats.warmEntries++;
      this.stats.warmBytes += hit.size;
      this.announced.get(actionHex)?.settle();
    },
    released: (actionHex, why, corrupt) => {
      if (corrupt) this.stats.remoteCorrupt++;
      this.log.debug(`prefetched entry ${actionHex} not stored: ${why}`);
      this.announced.get(actionHex)?.settle();
    },
  };

  /** The entry, if the stream stored it (a hit go may be answered with as it is). */
  storedHit(actionHex: string): Hit | undefined {
    return this.stored.get(actionHex);
  }

  /** Whether the stream announced this entry and it has neither arrived nor been given up yet. */
  coming(actionHex: string): boolean {
    const entry = this.announced.get(actionHex);
    return entry !== undefined && !entry.settled;
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

  /** go put an entry: it goes into this session's manifest (see finish for the one kind left out). */
  recordPut(actionHex: string): void {
    if (this.session.size < MAX_MANIFEST_IDS) this.session.add(actionHex);
  }

  /**
   * go looked an entry up. A hit goes into this session's manifest; a miss does not (one go then puts
   * comes in through recordPut): go asks for some IDs it never stores, such as a link action (a
   * program or test binary), and a manifest holding them never equals what the server can announce,
   * so every session would upload it again. `fromStream`: the stream's own copy answered go.
   */
  record(actionHex: string, hit: boolean, fromStream = false): void {
    if (hit && this.session.size < MAX_MANIFEST_IDS) this.session.add(actionHex);
    this.asked.add(actionHex);
    if (fromStream && !this.used.has(actionHex)) {
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
    if (this.options.keepSourceLists === false) this.dropSourceLists();
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

  /**
   * Leaves out what a compile puts beside its archive and go build never reads back: the package's
   * source-file list, Subkey(actionID, "srcfiles"), which vet (go vet, go test) and `go list -compiled`
   * ask for (cmd/go/internal/work). A cold `go build std` puts 355 of them, a quarter of its manifest's
   * entries, and streaming them to every fresh runner cost two file creations each. One that go did
   * look up in this session stays.
   */
  private dropSourceLists(): void {
    for (const hex of this.asked) {
      const list = subkey(Buffer.from(hex, "hex"), "srcfiles").toString("hex");
      if (!this.asked.has(list)) this.session.delete(list);
    }
  }
}
