import { idToHex, sha256Hex } from "@gocacheprog/common";
import { type IStoredManifest, StoredManifests } from "@gocacheprog/common/proto";
import type { Logger } from "../ops/logger.ts";
import { type BlobStore, oneChunk } from "../storage/blob/types.ts";
import { BackendUnavailableError } from "../storage/errors.ts";
import type { Index } from "../storage/index/types.ts";
import { manifestKey } from "../storage/keys.ts";
import type { StorageCalls } from "./storage-calls.ts";

/**
 * Build manifests (warm start): per namespace and build key, the ActionIDs of the last few sessions,
 * newest first. Like action records they live twice, in the index (fast) and as a copy in the blob
 * store (durable: rebuild-index and a flushed Redis restore them), and gc expires them by age.
 */

/** Sessions kept per build key: a build alternating between two shapes (say, a flaky test) still finds both. */
export const MANIFESTS_KEPT = 3;

/**
 * How often serving a key's prefetch rewrites its blob copy, per replica: daily, or twice within
 * --max-age when that is shorter. gc expires a manifest by the copy's age, and a session that adds
 * nothing to what the prefetch announced uploads no manifest, so the fleet's steady state (every
 * fresh runner predicted exactly) would otherwise let a manifest in daily use expire.
 */
const REFRESH_EVERY_MS = 86_400_000;
/** Keys whose refresh time a replica remembers; past it, the oldest are forgotten (one extra rewrite each). */
const REFRESHED_KEYS_MAX = 10_000;

export interface ManifestsDeps {
  blobs: BlobStore;
  index: Index;
  calls: StorageCalls;
  logger: Logger;
  now: () => number;
  /** gc's --max-age (0 = none), which manifests are expired by. */
  maxAgeMs?: number;
}

export class Manifests {
  private readonly refreshed = new Map<string, number>();

  private readonly refreshEveryMs: number;

  constructor(private readonly deps: ManifestsDeps) {
    const maxAgeMs = deps.maxAgeMs ?? 0;
    this.refreshEveryMs = maxAgeMs > 0 ? Math.min(REFRESH_EVERY_MS, maxAgeMs / 2) : REFRESH_EVERY_MS;
  }

  /**
   * Adds one session's manifest in front and keeps the newest MANIFESTS_KEPT. Two sessions of one
   * key finishing at the same instant may lose one of the two manifests (last writer wins): the
   * next session records it again, and a warm start only ever predicts.
   */
  async add(ns: string, buildKeyHex: string, actionIds: readonly Uint8Array[]): Promise<void> {
    const current = await this.read(ns, buildKeyHex);
    const manifests: IStoredManifest[] = [{ createdUnixMs: this.deps.now(), actionIds: [...actionIds] }, ...current].slice(
      0,
      MANIFESTS_KEPT,
    );
    const bytes = Buffer.from(StoredManifests.encode({ manifests }).finish());
    await writeManifestCopy(this.deps.blobs, ns, buildKeyHex, bytes, this.deps.calls);
    try {
      await this.deps.calls.index("setManifests", () => this.deps.index.setManifests(ns, buildKeyHex, bytes));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      this.deps.logger.warn({ err: err.message }, "index unavailable; manifest kept in the blob store");
    }
  }

  /** The union of the kept manifests as ActionID hex, newest session's order first, each ID once. */
  async union(ns: string, buildKeyHex: string): Promise<string[]> {
    return unionOf(await this.read(ns, buildKeyHex));
  }

  /**
   * union() for a prefetch: the key is in use, so its blob copy is rewritten (at most daily) to stay
   * clear of gc. The rewrite is not awaited: a fresh runner's stream never waits for a blob PUT.
   */
  async forPrefetch(ns: string, buildKeyHex: string): Promise<string[]> {
    const manifests = await this.read(ns, buildKeyHex);
    const id = `${ns}/${buildKeyHex}`;
    const now = this.deps.now();
    if (manifests.length > 0 && now - (this.refreshed.get(id) ?? 0) >= this.refreshEveryMs) {
      this.refreshed.delete(id);
      this.refreshed.set(id, now);
      if (this.refreshed.size > REFRESHED_KEYS_MAX) this.refreshed.delete(this.refreshed.keys().next().value as string);
      const bytes = Buffer.from(StoredManifests.encode({ manifests }).finish());
      void writeManifestCopy(this.deps.blobs, ns, buildKeyHex, bytes, this.deps.calls).catch((err: Error) =>
        this.deps.logger.warn({ err: err.message }, "could not refresh a manifest's blob copy; gc may expire it"),
      );
    }
    return unionOf(manifests);
  }

  /** Index first; when it has nothing (a new key, or a flushed index) the blob copy, put back lazily. */
  private async read(ns: string, buildKeyHex: string): Promise<IStoredManifest[]> {
    const { index, blobs, calls } = this.deps;
    let bytes: Buffer | null = null;
    let indexUp = true;
    try {
      bytes = await calls.index("getManifests", () => index.getManifests(ns, buildKeyHex));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      indexUp = false;
    }
    if (bytes === null) {
      bytes = await calls.blob("getBytes", () => blobs.getBytes(manifestKey(ns, buildKeyHex)));
      if (bytes !== null && indexUp) {
        const restored = bytes;
        await calls.index("setManifests", () => index.setManifests(ns, buildKeyHex, restored)).catch(() => {});
      }
    }
    return bytes === null ? [] : decodeManifests(bytes);
  }
}

function unionOf(manifests: IStoredManifest[]): string[] {
  const seen = new Set<string>();
  for (const manifest of manifests) {
    for (const id of manifest.actionIds ?? []) if (id.length === 32) seen.add(idToHex(id));
  }
  return [...seen];
}

/** Undecodable bytes (damaged, foreign) count as no manifests: a warm start is only ever a prediction. */
export function decodeManifests(bytes: Uint8Array): IStoredManifest[] {
  try {
    return StoredManifests.decode(bytes).manifests;
  } catch {
    return [];
  }
}

async function writeManifestCopy(blobs: BlobStore, ns: string, buildKeyHex: string, bytes: Buffer, calls: StorageCalls) {
  await calls.blob("writeManifestCopy", () =>
    blobs.put(manifestKey(ns, buildKeyHex), oneChunk(bytes), { size: bytes.length, sha256Hex: sha256Hex(bytes) }),
  );
}
