import { withDeadline } from "@gocacheprog/common";
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { BackendUnavailableError } from "../errors.ts";

/**
 * How to reach Redis. Exactly one of:
 * - `url`: standalone, e.g. "redis://:password@host:6379/0" or "rediss://..." (`redisOptions` merged in);
 * - `redisOptions`: any ioredis options; Sentinel by setting `sentinels: [{ host, port }]` and `name`;
 * - `cluster`: `{ nodes, options }` for `new Cluster(nodes, options)`;
 * - `client`: a client you built yourself. The index then owns it (closes it) and uses it as is,
 *   so give it the fail-fast settings from `failFastRedisOptions()` and no `keyPrefix` (use ours).
 */
export type RedisConnection =
  | { url: string; redisOptions?: RedisOptions }
  | { redisOptions: RedisOptions }
  | { cluster: { nodes: ClusterNode[]; options?: ClusterOptions } }
  | { client: Redis | Cluster };

export interface RedisTimeouts {
  /** Per command; a slow or dead Redis turns into a miss after this. Default 500 ms. */
  commandTimeoutMs?: number;
  /** TCP connect limit per attempt. Default 2000 ms. */
  connectTimeoutMs?: number;
}

/** Backoff for reconnects: never gives up, so the index recovers on its own when Redis returns. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), 2000);
}

/**
 * No offline queue and no retries: while Redis is away, a command fails at once instead of waiting
 * in memory, and each command has a hard timeout, so lookups degrade to misses and never hang.
 */
export function failFastRedisOptions(timeouts: RedisTimeouts = {}): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeouts.commandTimeoutMs ?? 500,
    connectTimeout: timeouts.connectTimeoutMs ?? 2000,
    retryStrategy: reconnectDelayMs,
    sentinelRetryStrategy: reconnectDelayMs,
    enableAutoPipelining: true,
    lazyConnect: false,
  };
}

export function createRedisClient(connection: RedisConnection, timeouts: RedisTimeouts = {}): Redis | Cluster {
  if ("client" in connection) return connection.client;
  const failFast = failFastRedisOptions(timeouts);
  if ("cluster" in connection) {
    const { retryStrategy: _perNode, sentinelRetryStrategy: _sentinel, enableOfflineQueue: _queue, ...perNode } = failFast;
    return new Cluster(connection.cluster.nodes, {
      ...connection.cluster.options,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: reconnectDelayMs,
      redisOptions: { ...perNode, ...connection.cluster.options?.redisOptions },
    });
  }
  if ("url" in connection) return new Redis(connection.url, { ...connection.redisOptions, ...failFast });
  return new Redis({ ...connection.redisOptions, ...failFast });
}

/**
 * Resolves once the client can take commands. A client that is (re)connecting for the first time
 * gets up to `waitMs`; one that is known to be down fails at once.
 */
export async function whenReady(client: Redis | Cluster, waitMs: number): Promise<void> {
  if (client.status === "ready") return;
  if (client.status === "wait") client.connect().catch(() => {});
  if (client.status === "end" || client.status === "close" || client.status === "reconnecting") {
    throw new BackendUnavailableError(`Redis unavailable (connection ${client.status})`);
  }
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
    client.once("ready", onReady);
  });
  try {
    await withDeadline(ready, waitMs, () => new BackendUnavailableError(`Redis unavailable (not connected within ${waitMs} ms)`));
  } finally {
    client.off("ready", onReady);
  }
}

export function toRedisError(error: unknown): BackendUnavailableError {
  if (error instanceof BackendUnavailableError) return error;
  return new BackendUnavailableError(`Redis unavailable: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
