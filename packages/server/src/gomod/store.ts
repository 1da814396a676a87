import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import type { CacheCore, Hit } from "../cache/core.ts";
import type { OutputBody } from "../cache/outputs.ts";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import { oneChunk } from "../storage/blob/types.ts";
import { BackendUnavailableError, IntegrityError } from "../storage/errors.ts";
import { GOMOD_NAMESPACE, gomodEntryId } from "../storage/keys.ts";
import { DirHash, goModHash } from "./dirhash.ts";
import type { MemoryFiles } from "./memory.ts";
import type { GomodMetrics } from "./metrics.ts";
import type { FileKind, ProxyRequest, PurgeRequest } from "./request.ts";
import { SumdbCheck } from "./sumdb-check.ts";
import { type Upstream, UpstreamError } from "./upstream.ts";
import { checkAnswer, checkModuleZip, InvalidAnswerError, MAX_ANSWER_BYTES } from "./validate.ts";
import { ZIP_IN_MEMORY_MAX, ZipFillMemory } from "./zip-memory.ts";

export interface GomodStoreOptions {
  /** How long a mutable answer (list, @latest, queries, sumdb latest) is served without asking the upstream. */
  mutableTtlMs: number;
  zipMaxBytes: number;
  /** --gomod-sumdb (absent = off) and the module paths --gomod-nosumdb keeps from it. */
  sumdb?: { name: string; excluded: (path: string) => boolean };
}

export interface GomodStoreDeps {
  core: CacheCore;
  upstream: Upstream;
  metrics: GomodMetrics;
  logger: Logger;
  options: GomodStoreOptions;
  /** Immutable files kept in memory in front of the store (--gomod-memory); absent = none. */
  memory?: MemoryFiles;
  now?: () => number;
}

export type Answer =
  | { found: true; body: OutputBody; size: number; result: "hit" | "miss" | "stale" }
  | { found: false; status: 404 | 410; message: string };

/**
 * After the upstream failed for a mutable file, its cached answer is served without asking again for
 * this long: a hung upstream would otherwise cost every list or @latest its full timeout (30 s each).
 */
const STALE_RETRY_MS = 30_000;
const FAILED_MAX = 10_000;

type Fill = { found: true; body?: Buffer } | { found: false; status: 404 | 410; message: string };

/**
 * The module proxy's cache. Every answer is an entry in the build cache's own storage (index record
 * + content-addressed blob, or inline in the record when small) under GOMOD_NAMESPACE, so it is
 * shared by every replica, verified on every read, touched for eviction and covered by gc.
 * Immutable files are stored once and never asked for again; mutable answers are refreshed after
 * the TTL and served stale when the upstream fails. One fill per file at a time in this process.
 */
export class GomodStore {
  private readonly flights = new Map<string, Promise<Fill>>();
  private readonly zipMemory = new ZipFillMemory();
  /** Mutable files whose upstream just failed, with when to ask it again (their stale copy is served until then). */
  private readonly upstreamFailed = new Map<string, number>();
  /** Purges this process has begun: a read or fill that saw another count keeps no memory copy. */
  private purges = 0;
  private readonly now: () => number;
  private readonly sumdb: SumdbCheck | undefined;

  /** Per request, so once per 30 s each: an outage (storage or upstream) fails them all. */
  private readonly logServedStale: (fields: Record<string, unknown>) => void;
  private readonly logReadUnavailable: (fields: Record<string, unknown>) => void;
  private readonly logWriteUnavailable: (fields: Record<string, unknown>) => void;

  constructor(private readonly deps: GomodStoreDeps) {
    this.logServedStale = throttledLog(deps.logger, "warn", "upstream failed; serving the cached answer");
    this.logReadUnavailable = throttledLog(deps.logger, "warn", "module cache storage unavailable; asking the upstream");
    this.logWriteUnavailable = throttledLog(deps.logger, "warn", "module cache storage unavailable; answer served but not stored");
    this.now = deps.now ?? Date.now;
    const sumdb = deps.options.sumdb;
    // Lookups go through answer(): stored, coalesced and checked like go's own, which usually follow.
    const lookup = (request: ProxyRequest, hops: number) => this.answer(request, hops);
    this.sumdb = sumdb && new SumdbCheck(sumdb.name, sumdb.excluded, { lookup, metrics: deps.metrics, logger: deps.logger, now: this.now });
  }

  async answer(request: ProxyRequest, hops: number): Promise<Answer> {
    const id = gomodEntryId(request.kind, request.file);
    const memory = request.immutable ? this.deps.memory : undefined;
    const purges = this.purges;
    const held = memory?.get(id, this.now());
    if (held && (!held.touch || (await this.stillStored(id)))) {
      return { found: true, body: held.body, size: held.body.byteLength, result: "hit" };
    }
    // A mutable answer's body is only opened once it is known to be fresh (or needed stale).
    const known = await this.read(id, request.immutable);
    if (known && (request.immutable || this.now() - known.putTimeMs < this.deps.options.mutableTtlMs)) {
      const hit = known.body ? known : await this.read(id, true);
      const body = hit?.body && (memory ? await this.remember(id, hit.body, hit.size, purges) : hit.body);
      if (body) return { found: true, body, size: hit.size, result: "hit" };
    }
    // The upstream failed for this file moments ago, or there is none (off: serve what is cached): its
    // cached answer now, not another full timeout or a 404.
    const retryAt = this.upstreamFailed.get(id);
    const noUpstream = this.deps.upstream.entries.length === 0;
    if (known && (noUpstream || (retryAt !== undefined && this.now() < retryAt))) {
      const stale = await this.stale(id);
      if (stale) return stale;
    }
    let fill: Fill;
    try {
      fill = await this.fill(request, id, hops);
      this.upstreamFailed.delete(id);
    } catch (err) {
      if (!(err instanceof UpstreamError) || !known) throw err;
      if (this.upstreamFailed.size >= FAILED_MAX) this.upstreamFailed.clear();
      this.upstreamFailed.set(id, this.now() + STALE_RETRY_MS);
      const stale = await this.stale(id);
      if (!stale) throw err;
      this.logServedStale({ kind: request.kind, upstream: err.upstream, err: err.message, detail: err.detail });
      return stale;
    }
    if (!fill.found) return fill;
    if (fill.body) {
      if (purges === this.purges) memory?.set(id, fill.body, this.now());
      return { found: true, body: fill.body, size: fill.body.byteLength, result: "miss" };
    }
    const stored = await this.read(id, true);
    if (!stored?.body) throw new BackendUnavailableError("the file just stored could not be read back");
    return { found: true, body: stored.body, size: stored.size, result: "miss" };
  }

  /**
   * An operator's purge (DELETE /gomod/<module>/@v/<version>): the version's files leave the store and
   * this replica's memory, and the module's list and @latest are dropped so that they are asked for
   * again. The kinds removed: none when neither the version's files nor the module's answers were held.
   */
  async purge(request: PurgeRequest): Promise<FileKind[]> {
    this.purges++;
    const remove = async (file: ProxyRequest): Promise<FileKind[]> => {
      const id = gomodEntryId(file.kind, file.file);
      const inMemory = this.deps.memory?.delete(id) ?? false;
      this.upstreamFailed.delete(id);
      // A zip's files all live under <module>@<version>/, so no other entry shares its blob and its bytes
      // can go now; a .info or .mod may be another version's byte for byte, so its blob is left to gc.
      const stored = await this.deps.core.remove(GOMOD_NAMESPACE, id, { output: file.kind === "zip" });
      return stored || inMemory ? [file.kind] : [];
    };
    // The answers go whatever the files' state: a retry after a purge that failed half-way finds no file left.
    const removed = (await Promise.all([...request.files, ...request.answers].map(remove))).flat();
    for (const kind of removed) this.deps.metrics.purged.inc({ kind });
    return removed;
  }

  /**
   * Once a minute per file served from memory: the store hears that it is read (its age policy would
   * evict a file in daily use), and says whether it still holds it. A purge on another replica (or gc)
   * removed it: the copy goes and this request takes the normal path. A storage outage keeps the copy.
   */
  private async stillStored(id: string): Promise<boolean> {
    try {
      if (await this.deps.core.read(GOMOD_NAMESPACE, id, false)) return true;
    } catch {
      return true;
    }
    this.deps.memory?.delete(id);
    return false;
  }

  private async stale(id: string): Promise<Answer | null> {
    const stale = await this.read(id, true);
    return stale?.body ? { found: true, body: stale.body, size: stale.size, result: "stale" } : null;
  }

  /**
   * A verified read from the store, kept in memory when it fits. A body too big to have been checked
   * before reading (a streamed zip) is read whole here, checked as it comes; null when it turns out
   * corrupt (the store has dropped it), so the caller fills it again.
   */
  private async remember(id: string, body: OutputBody, size: number, purges: number): Promise<OutputBody | null> {
    const memory = this.deps.memory!;
    // A purge since the read began may have removed this very file: serve it, but keep no copy.
    const keep = (whole: Buffer) => {
      if (purges === this.purges) memory.set(id, whole, this.now());
    };
    if (Buffer.isBuffer(body)) {
      keep(body);
      return body;
    }
    if (size > memory.entryMax) return body;
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of body) chunks.push(chunk);
    } catch (err) {
      if (err instanceof IntegrityError) return null;
      throw err;
    }
    const whole = Buffer.concat(chunks, size);
    keep(whole);
    return whole;
  }

  /** A cached entry (its body when asked); null when absent, corrupt (then dropped) or the storage is down. */
  private async read(id: string, wantBody: boolean): Promise<Hit | null> {
    try {
      return await this.deps.core.read(GOMOD_NAMESPACE, id, wantBody);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      this.logReadUnavailable({ err: err.message });
      return null;
    }
  }

  /**
   * Concurrent requests for one file that passed as many proxies share one upstream fetch: a loop back
   * here asks one hop further, and joining its own fetch would wait for the upstream timeout instead.
   */
  private fill(request: ProxyRequest, id: string, hops: number): Promise<Fill> {
    const flightKey = `${hops}:${id}`;
    const inFlight = this.flights.get(flightKey);
    if (inFlight) {
      this.deps.metrics.coalesced.inc({ kind: request.kind });
      return inFlight;
    }
    const inMemory = request.kind === "zip" && this.zipMemory.take();
    const flight = this.fetchAndStore(request, id, hops, inMemory).finally(() => {
      this.flights.delete(flightKey);
      if (inMemory) this.zipMemory.release();
    });
    this.flights.set(flightKey, flight);
    return flight;
  }

  private async fetchAndStore(request: ProxyRequest, id: string, hops: number, inMemory: boolean): Promise<Fill> {
    const { upstream, metrics, options } = this.deps;
    const kind = request.kind;
    const isZip = kind === "zip";
    const maxBytes = kind === "zip" ? options.zipMaxBytes : MAX_ANSWER_BYTES[kind];
    // Asked beside the file itself; it never rejects.
    const expecting = kind === "zip" || kind === "mod" ? this.sumdb?.expected(request, hops) : undefined;
    let fetched: Awaited<ReturnType<Upstream["get"]>>;
    try {
      fetched = await upstream.get(request.file, { maxBytes, spoolAbove: isZip ? (inMemory ? ZIP_IN_MEMORY_MAX : -1) : undefined }, hops);
    } catch (err) {
      if (err instanceof UpstreamError) metrics.upstreamFetches.inc({ kind, outcome: err.outcome });
      throw err;
    }
    if (!fetched.found) {
      metrics.upstreamFetches.inc({ kind, outcome: "not-found" });
      return fetched;
    }
    const spoolFile = "file" in fetched ? fetched.file : undefined;
    try {
      if (isZip) {
        // Most zips come into memory (length announced, at most ZIP_IN_MEMORY_MAX, `inMemory`: one of ZipFillMemory's
        // places) and are checked, stored and served from those bytes; a spooled one is read back if small enough.
        const spooled = "file" in fetched ? fetched : undefined;
        const bytes =
          "body" in fetched ? fetched.body : inMemory && spooled!.size <= ZIP_IN_MEMORY_MAX ? await readFile(spooled!.file) : undefined;
        const size = bytes?.byteLength ?? spooled!.size;
        const expected = await expecting;
        const hash = expected?.hash === undefined ? undefined : new DirHash();
        await checkModuleZip(bytes ?? spooled!.file, request.module!, hash);
        if (expected) this.sumdb!.verify(request, expected, hash?.digest());
        metrics.upstreamFetches.inc({ kind, outcome: "ok" });
        metrics.bytes.inc({ kind, direction: "upstream" }, size);
        const sha256Hex = spooled?.sha256Hex ?? createHash("sha256").update(bytes!).digest("hex");
        // Nothing to fall back on if the store refuses: the upstream's bytes go with this request.
        await this.deps.core.write(GOMOD_NAMESPACE, id, sha256Hex, size, bytes ? oneChunk(bytes) : createReadStream(spooled!.file));
        // Checked and stored: when memory keeps it, it is served from these bytes, not read back.
        const memory = this.deps.memory;
        return bytes && memory && size <= memory.entryMax ? { found: true, body: bytes } : { found: true };
      }
      if (!("body" in fetched)) throw new Error("only zips are spooled");
      const body = fetched.body;
      checkAnswer(request, body);
      const expected = await expecting;
      if (expected) this.sumdb!.verify(request, expected, expected.hash === undefined ? undefined : goModHash(body));
      metrics.upstreamFetches.inc({ kind, outcome: "ok" });
      metrics.bytes.inc({ kind, direction: "upstream" }, body.byteLength);
      await this.store(id, body);
      return { found: true, body };
    } catch (err) {
      if (!(err instanceof InvalidAnswerError)) throw err;
      metrics.upstreamFetches.inc({ kind, outcome: "invalid" });
      throw new UpstreamError("invalid", err.message);
    } finally {
      if (spoolFile) await rm(spoolFile, { force: true });
    }
  }

  /** Small answers are served from memory even when the store is down; they are stored next time. */
  private async store(id: string, body: Buffer): Promise<void> {
    const sha = createHash("sha256").update(body).digest("hex");
    try {
      await this.deps.core.write(GOMOD_NAMESPACE, id, sha, body.byteLength, oneChunk(body));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      this.logWriteUnavailable({ err: err.message });
    }
  }
}
