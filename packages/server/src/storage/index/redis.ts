import { createHash } from "node:crypto";
import { settlesWithin } from "@gocacheprog/common";
import { Cluster, type Redis } from "ioredis";
import { BackendUnavailableError } from "../errors.ts";
import {
  assertNamespace,
  parseRedisActionKey,
  redisActionKey,
  redisActionPattern,
  redisManifestKey,
  redisNamespacePattern,
} from "../keys.ts";
import { encodeRecord, inlineBytes, tryDecodeRecord } from "./record-codec.ts";
import { createRedisClient, type RedisConnection, type RedisTimeouts, toRedisError, whenReady } from "./redis-client.ts";
import { defineScripts, type Scripts } from "./redis-scripts.ts";
import type { ActionRecord, Index, IndexEntry, NamespaceUsage } from "./types.ts";

export type RedisIndexOptions = RedisConnection &
  RedisTimeouts & {
    /** Prefix of every key this index writes. Default "gcp:". */
    keyPrefix?: string;
    /** Connection errors, for logging; the index keeps reconnecting in the background regardless. */
    onError?: (error: Error) => void;
  };

const SCAN_COUNT = 500;
/** Tries of a command whose script Redis did not have (each NOSCRIPT makes ioredis send the script itself next). */
const NOSCRIPT_ATTEMPTS = 3;

/**
 * Index on Redis. One hash per action, `<prefix><ns>:a:<actionHex>`, with field `r` = the encoded
 * record and field `t` = last access ms, so a touch rewrites a few bytes instead of the record and a
 * lookup still reads both in one round trip. Every failure is a BackendUnavailableError.
 *
 * Usage counters live in one hash, `<prefix>meta:usage`, fields `<ns>:e` (entries) and `<ns>:b`
 * (bytes). A set or delete changes the action's hash in a script, then the counters by the
 * difference it returned: two steps, because in a Cluster the two keys live in different slots.
 */
export class RedisIndex implements Index {
  readonly kind = "redis" as const;
  private readonly client: Redis | Cluster;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;

  constructor(options: RedisIndexOptions) {
    this.prefix = options.keyPrefix ?? "gcp:";
    this.commandTimeoutMs = options.commandTimeoutMs ?? 500;
    this.client = createRedisClient(options, options);
    // Without a listener ioredis prints every reconnect failure to the console.
    this.client.on("error", (error: Error) => options.onError?.(error));
    defineScripts(this.client);
  }

  private get scripts(): Scripts {
    return this.client as unknown as Scripts;
  }

  private key(namespace: string, actionHex: string): string {
    return redisActionKey(this.prefix, namespace, actionHex);
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      await whenReady(this.client, this.commandTimeoutMs);
      for (let attempt = 1; ; attempt++) {
        try {
          return await command();
        } catch (error) {
          // NOSCRIPT: the script never ran. ioredis sends EVAL on a connection's first use and EVALSHA
          // after, and resends once on NOSCRIPT; on a young Cluster an EVAL redirected (MOVED) before it
          // ran leaves a connection marked as loaded, so the resend can meet NOSCRIPT again (seen in CI).
          if (attempt >= NOSCRIPT_ATTEMPTS || !(error as Error).message?.includes("NOSCRIPT")) throw error;
        }
      }
    } catch (error) {
      throw toRedisError(error);
    }
  }

  async get(namespace: string, actionHex: string): Promise<ActionRecord | null> {
    const key = this.key(namespace, actionHex);
    const [record, touched] = await this.run(() => this.client.hmgetBuffer(key, "r", "t"));
    return fromFields(record ?? null, touched ?? null);
  }

  async getMany(namespace: string, actionHexes: readonly string[]): Promise<(ActionRecord | null)[]> {
    const keys = actionHexes.map((hex) => this.key(namespace, hex));
    if (keys.length === 0) return [];
    // Separate commands rather than one pipeline: a Cluster pipeline must stay within one slot, and
    // auto-pipelining already sends these in one write per node.
    const rows = await this.run(() => Promise.all(keys.map((key) => this.client.hmgetBuffer(key, "r", "t"))));
    return rows.map(([record, touched]) => fromFields(record ?? null, touched ?? null));
  }

  async set(namespace: string, actionHex: string, record: ActionRecord): Promise<void> {
    const key = this.key(namespace, actionHex);
    const held = inlineBytes(record);
    const [existed, old] = await this.run(() =>
      this.scripts.gocacheprogSet(key, encodeRecord(record), String(record.lastAccessMs), String(held)),
    );
    await this.addUsage(namespace, { entries: existed ? 0 : 1, bytes: held - old });
  }

  async setIfAbsent(namespace: string, actionHex: string, record: ActionRecord): Promise<boolean> {
    const key = this.key(namespace, actionHex);
    const held = inlineBytes(record);
    const set = await this.run(() =>
      this.scripts.gocacheprogSetIfAbsent(key, encodeRecord(record), String(record.lastAccessMs), String(held)),
    );
    if (set === 1) await this.addUsage(namespace, { entries: 1, bytes: held });
    return set === 1;
  }

  async touch(namespace: string, actionHex: string, atMs: number): Promise<void> {
    const key = this.key(namespace, actionHex);
    await this.run(() => this.scripts.gocacheprogTouch(key, atMs));
  }

  async delete(namespace: string, actionHex: string): Promise<void> {
    const key = this.key(namespace, actionHex);
    const [deleted, old] = await this.run(() => this.scripts.gocacheprogDelete(key));
    if (deleted) await this.addUsage(namespace, { entries: -1, bytes: -old });
  }

  async usage(): Promise<Map<string, NamespaceUsage>> {
    const fields = await this.run(() => this.client.hgetall(this.usageKey));
    const usage = new Map<string, NamespaceUsage>();
    for (const [field, value] of Object.entries(fields)) {
      const split = field.lastIndexOf(":");
      const [namespace, kind] = [field.slice(0, split), field.slice(split + 1)];
      const counted = usage.get(namespace) ?? { entries: 0, bytes: 0 };
      if (kind === "e") counted.entries = Number(value);
      else if (kind === "b") counted.bytes = Number(value);
      usage.set(namespace, counted);
    }
    for (const [namespace, counted] of usage) if (counted.entries === 0 && counted.bytes === 0) usage.delete(namespace);
    return usage;
  }

  async addUsage(namespace: string, delta: NamespaceUsage): Promise<void> {
    assertNamespace(namespace);
    if (delta.entries === 0 && delta.bytes === 0) return;
    await this.run(() => this.scripts.gocacheprogAddUsage(this.usageKey, namespace, String(delta.entries), String(delta.bytes)));
  }

  /** SCAN over every master (one for standalone/Sentinel, each one for Cluster). */
  async *scan(namespace?: string): AsyncIterable<IndexEntry> {
    const pattern = namespace === undefined ? redisActionPattern(this.prefix) : redisNamespacePattern(this.prefix, namespace);
    // A Cluster client knows its masters only once connected: listing them before would scan nothing
    // and end cleanly, an index that looks empty rather than one that is unavailable.
    const nodes = await this.run(async (): Promise<Redis[]> => {
      if (!isCluster(this.client)) return [this.client];
      const masters = this.client.nodes("master");
      if (masters.length === 0) throw new BackendUnavailableError("Redis Cluster: no master known");
      return masters;
    });
    for (const node of nodes) yield* this.scanNode(node, pattern);
  }

  private async *scanNode(node: Redis, pattern: string): AsyncIterable<IndexEntry> {
    let cursor = "0";
    do {
      const [next, keys] = await this.run(() => node.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT));
      cursor = next;
      const rows = await this.run(() => Promise.all(keys.map((key) => node.hmgetBuffer(key, "r", "t"))));
      for (let i = 0; i < keys.length; i++) {
        const id = parseRedisActionKey(this.prefix, keys[i]!);
        const [record, touched] = rows[i]!;
        const decoded = id === null ? null : fromFields(record ?? null, touched ?? null);
        if (id !== null && decoded !== null) yield { ...id, record: decoded };
      }
    } while (cursor !== "0");
  }

  async isComplete(): Promise<boolean> {
    return (await this.run(() => this.client.exists(this.completeKey))) === 1;
  }

  async markComplete(): Promise<void> {
    await this.run(() => this.client.set(this.completeKey, "1"));
  }

  async lease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.scripts.gocacheprogLease(this.leaseKey(name), holder, String(Math.ceil(ttlMs))))) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.run(() => this.scripts.gocacheprogRelease(this.leaseKey(name), holder));
  }

  /** Outside the action key pattern, like the other meta keys. */
  private leaseKey(name: string): string {
    return `${this.prefix}meta:lease:${name}`;
  }

  async getManifests(namespace: string, buildKeyHex: string): Promise<Buffer | null> {
    const key = redisManifestKey(this.prefix, namespace, buildKeyHex);
    return this.run(() => this.client.getBuffer(key));
  }

  async setManifests(namespace: string, buildKeyHex: string, value: Buffer | null): Promise<void> {
    const key = redisManifestKey(this.prefix, namespace, buildKeyHex);
    if (value === null) await this.run(() => this.client.del(key));
    else await this.run(() => this.client.set(key, value));
  }

  async swapManifests(namespace: string, buildKeyHex: string, expected: Buffer | null, value: Buffer | null): Promise<boolean> {
    const key = redisManifestKey(this.prefix, namespace, buildKeyHex);
    const expectedSha1 = expected === null ? "" : createHash("sha1").update(expected).digest("hex");
    const swapped = await this.run(() => this.scripts.gocacheprogSwapManifests(key, expectedSha1, value === null ? "0" : "1", value ?? ""));
    return swapped === 1;
  }

  /** Outside the action key pattern, so SCAN for records never returns it. */
  private get completeKey(): string {
    return `${this.prefix}meta:complete`;
  }

  private get usageKey(): string {
    return `${this.prefix}meta:usage`;
  }

  async ping(): Promise<void> {
    const client = this.client;
    await this.run(async () => {
      if (isCluster(client)) await Promise.all(client.nodes("master").map((node) => node.ping()));
      else await client.ping();
    });
  }

  async close(): Promise<void> {
    // A quit that fails (already disconnected) or hangs is fine: disconnect() stops the reconnect loop either way.
    await settlesWithin(this.client.quit(), this.commandTimeoutMs);
    this.client.disconnect();
  }
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return client instanceof Cluster;
}

/** A key without a readable record (half-written, foreign, unknown version) is a miss. */
function fromFields(recordBytes: Buffer | null, touchedBytes: Buffer | null): ActionRecord | null {
  if (recordBytes === null) return null;
  const record = tryDecodeRecord(recordBytes);
  if (record === null) return null;
  const touched = touchedBytes === null ? Number.NaN : Number(touchedBytes.toString("latin1"));
  return Number.isSafeInteger(touched) && touched > record.lastAccessMs ? { ...record, lastAccessMs: touched } : record;
}
