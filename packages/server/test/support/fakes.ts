import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { sha256Hex } from "@gocacheprog/common";
import { Registry } from "prom-client";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { CacheCore, type CoreOptions } from "../../src/cache/core.ts";
import type { Gomod } from "../../src/gomod/wiring.ts";
import { createApp } from "../../src/http/app.ts";
import { createLogger, type Logger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import type { BlobListing, BlobStore, ReadOptions } from "../../src/storage/blob/types.ts";
import type { BlobExpect } from "../../src/storage/blob/verify.ts";
import { BackendUnavailableError, IntegrityError } from "../../src/storage/errors.ts";
import { encodeRecord, inlineBytes, tryDecodeRecord } from "../../src/storage/index/record-codec.ts";
import type { ActionRecord, Index, IndexEntry, NamespaceUsage } from "../../src/storage/index/types.ts";
import { assertNamespace, embeddedIndexKey, embeddedManifestKey, parseEmbeddedIndexKey } from "../../src/storage/keys.ts";

/**
 * Unit-test stand-ins for the stores, with switches for outages (mode) and call counters. They run
 * through the same contract suites as the real stores (fakes.test.ts); the real ones also run there
 * and in the real-port tests (test/server/).
 */
type Mode = "up" | "down" | "hang";

function gate(mode: Mode): Promise<void> {
  if (mode === "down") return Promise.reject(new BackendUnavailableError("fake backend is down"));
  if (mode === "hang") return new Promise(() => {});
  return Promise.resolve();
}

export class FakeBlobStore implements BlobStore {
  readonly kind = "filesystem" as const;
  readonly objects = new Map<string, { data: Buffer; lastModified: Date }>();
  readonly calls = { put: 0, get: 0, getBytes: 0, head: 0, delete: 0 };
  mode: Mode = "up";

  async put(key: string, body: AsyncIterable<Uint8Array>, expect: BlobExpect): Promise<void> {
    this.calls.put++;
    await gate(this.mode);
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const data = Buffer.concat(chunks);
    if ("update" in expect) {
      expect.update(data);
      expect.finish();
    } else {
      if (data.length !== expect.size) throw new IntegrityError(`size ${data.length}, expected ${expect.size}`);
      if (sha256Hex(data) !== expect.sha256Hex) throw new IntegrityError("sha256 mismatch");
    }
    this.objects.set(key, { data, lastModified: new Date() });
  }

  // Reads check their signal first, as the real stores do (the contract holds every store to it).
  async get(key: string, options: ReadOptions = {}) {
    this.calls.get++;
    options.signal?.throwIfAborted();
    await gate(this.mode);
    const object = this.objects.get(key);
    if (!object) return null;
    const data = object.data;
    async function* chunks() {
      for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000);
    }
    return { body: chunks(), size: data.length };
  }

  async getBytes(key: string, options: ReadOptions = {}): Promise<Buffer | null> {
    this.calls.getBytes++;
    options.signal?.throwIfAborted();
    await gate(this.mode);
    const object = this.objects.get(key);
    return object ? Buffer.from(object.data) : null;
  }

  async head(key: string, options: ReadOptions = {}) {
    this.calls.head++;
    options.signal?.throwIfAborted();
    await gate(this.mode);
    const object = this.objects.get(key);
    return object ? { size: object.data.length, lastModified: object.lastModified } : null;
  }

  async delete(key: string): Promise<void> {
    this.calls.delete++;
    await gate(this.mode);
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    await gate(this.mode);
    for (const [key, { data, lastModified }] of this.objects) if (key.startsWith(prefix)) yield { key, size: data.length, lastModified };
  }

  ping = () => gate(this.mode);
  close = async () => {};
}

/**
 * In memory, keyed like the embedded index (`<ns>/<actionHex>`, so invalid IDs are refused the same
 * way); records are copied in and out, so no caller can change a stored record behind its back.
 */
export class FakeIndex implements Index {
  readonly kind = "embedded" as const;
  mode: Mode = "up";

  constructor(
    readonly records = new Map<string, ActionRecord>(),
    private readonly marks = { complete: false, leases: new Map<string, { holder: string; untilMs: number }>() },
    readonly counters = new Map<string, NamespaceUsage>(),
    readonly manifests = new Map<string, Buffer>(),
  ) {}

  /** The same storage seen by a new instance, as after a server restart. */
  reopen(): FakeIndex {
    return new FakeIndex(this.records, this.marks, this.counters, this.manifests);
  }

  get complete(): boolean {
    return this.marks.complete;
  }
  set complete(value: boolean) {
    this.marks.complete = value;
  }

  async get(ns: string, actionHex: string) {
    const key = embeddedIndexKey(ns, actionHex);
    await gate(this.mode);
    return copyRecord(this.records.get(key));
  }
  async getMany(ns: string, actionHexes: readonly string[]) {
    const keys = actionHexes.map((hex) => embeddedIndexKey(ns, hex));
    await gate(this.mode);
    return keys.map((key) => copyRecord(this.records.get(key)));
  }
  async set(ns: string, actionHex: string, record: ActionRecord) {
    await gate(this.mode);
    this.write(ns, actionHex, record);
  }
  async setIfAbsent(ns: string, actionHex: string, record: ActionRecord) {
    await gate(this.mode);
    if (this.records.has(embeddedIndexKey(ns, actionHex))) return false;
    this.write(ns, actionHex, record);
    return true;
  }
  private write(ns: string, actionHex: string, record: ActionRecord) {
    const key = embeddedIndexKey(ns, actionHex);
    const old = this.records.get(key);
    // Through the codec, as the real indexes keep it: a record they could not read back they never
    // serve (a miss), so here it replaces the old one with nothing and counts as gone.
    const stored = tryDecodeRecord(encodeRecord(record));
    if (stored === null) this.records.delete(key);
    else this.records.set(key, stored);
    const held = stored === null ? 0 : inlineBytes(stored);
    this.bump(ns, { entries: (stored ? 1 : 0) - (old ? 1 : 0), bytes: held - (old ? inlineBytes(old) : 0) });
  }
  async touch(ns: string, actionHex: string, atMs: number) {
    const key = embeddedIndexKey(ns, actionHex);
    await gate(this.mode);
    const record = this.records.get(key);
    if (record && record.lastAccessMs < atMs) this.records.set(key, { ...record, lastAccessMs: atMs });
  }
  async delete(ns: string, actionHex: string) {
    const key = embeddedIndexKey(ns, actionHex);
    await gate(this.mode);
    const old = this.records.get(key);
    if (!old) return;
    this.records.delete(key);
    this.bump(ns, { entries: -1, bytes: -inlineBytes(old) });
  }
  async *scan(namespace?: string): AsyncIterable<IndexEntry> {
    if (namespace !== undefined) assertNamespace(namespace);
    await gate(this.mode);
    for (const [key, record] of [...this.records]) {
      const id = parseEmbeddedIndexKey(key);
      if (id && (namespace === undefined || id.namespace === namespace)) yield { ...id, record: copyRecord(record)! };
    }
  }
  async usage() {
    await gate(this.mode);
    return new Map([...this.counters].filter(([, u]) => u.entries !== 0 || u.bytes !== 0).map(([ns, u]) => [ns, { ...u }]));
  }
  async addUsage(ns: string, delta: NamespaceUsage) {
    assertNamespace(ns);
    await gate(this.mode);
    this.bump(ns, delta);
  }
  private bump(ns: string, delta: NamespaceUsage) {
    const current = this.counters.get(ns) ?? { entries: 0, bytes: 0 };
    this.counters.set(ns, { entries: current.entries + delta.entries, bytes: current.bytes + delta.bytes });
  }
  async isComplete() {
    await gate(this.mode);
    return this.marks.complete;
  }
  async markComplete() {
    await gate(this.mode);
    this.marks.complete = true;
  }
  async lease(name: string, holder: string, ttlMs: number) {
    await gate(this.mode);
    const current = this.marks.leases.get(name);
    if (current && current.holder !== holder && current.untilMs > Date.now()) return false;
    this.marks.leases.set(name, { holder, untilMs: Date.now() + ttlMs });
    return true;
  }
  async releaseLease(name: string, holder: string) {
    await gate(this.mode);
    if (this.marks.leases.get(name)?.holder === holder) this.marks.leases.delete(name);
  }
  async getManifests(ns: string, buildKeyHex: string) {
    const key = embeddedManifestKey(ns, buildKeyHex);
    await gate(this.mode);
    const value = this.manifests.get(key);
    return value ? Buffer.from(value) : null;
  }
  async setManifests(ns: string, buildKeyHex: string, value: Buffer | null) {
    const key = embeddedManifestKey(ns, buildKeyHex);
    await gate(this.mode);
    if (value === null) this.manifests.delete(key);
    else this.manifests.set(key, Buffer.from(value));
  }
  async swapManifests(ns: string, buildKeyHex: string, expected: Buffer | null, value: Buffer | null) {
    const key = embeddedManifestKey(ns, buildKeyHex);
    await gate(this.mode);
    const current = this.manifests.get(key);
    if (current === undefined ? expected !== null : expected === null || !current.equals(expected)) return false;
    if (value === null) this.manifests.delete(key);
    else this.manifests.set(key, Buffer.from(value));
    return true;
  }
  ping = () => gate(this.mode);
  close = async () => {};
}

function copyRecord(record: ActionRecord | undefined): ActionRecord | null {
  if (!record) return null;
  const copy = { ...record, outputId: Buffer.from(record.outputId) };
  if (record.inline) copy.inline = Buffer.from(record.inline);
  return copy;
}

/** Collects every log line so tests can assert on what was (not) logged. */
export class LogCapture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

export const TOKENS = {
  writer: "writer-token-aaaaaaaaaaaaaaaa",
  reader: "reader-token-bbbbbbbbbbbbbbbb",
  other: "other-team-token-cccccccccccc",
};

export interface TestServerOptions {
  tokens?: string;
  core?: Partial<CoreOptions>;
  maxBody?: number;
  now?: () => number;

  /** Adds the module proxy (/gomod) built over the app's own core. */
  gomod?: (deps: { core: CacheCore; registry: Registry; logger: Logger }) => Gomod;
}

export function makeTestApp(options: TestServerOptions = {}) {
  const blobs = new FakeBlobStore();
  const index = new FakeIndex();
  const registry = new Registry();
  const metrics = new ServerMetrics(registry);
  const logs = new LogCapture();
  const logger = createLogger("trace", logs);
  const core = new CacheCore({
    blobs,
    index,
    metrics,
    logger,
    now: options.now,
    options: { inlineMax: 1024, verifyBufferMax: 64 * 1024, backendTimeoutMs: 200, touchIntervalMs: 0, ...options.core },
  });
  const auth = new TokenAuth(parseTokens(options.tokens ?? "", "test tokens"));
  const gomod = options.gomod?.({ core, registry, logger });
  const app = createApp({ core, auth, metrics, logger, maxBody: options.maxBody ?? 1 << 30, gomod });
  return { app, blobs, index, core, registry, logs, gomod };
}

export const TEAM_TOKENS = `${TOKENS.writer} read-write team-a\n${TOKENS.reader} read team-a\n${TOKENS.other} read-write team-b`;

export { sha256Hex } from "@gocacheprog/common";

export function randomHex(): string {
  return createHash("sha256").update(String(Math.random())).digest("hex");
}
