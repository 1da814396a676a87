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
/** Tries of add()'s compare-and-set: each lost one means another session of the key was just added. */
const ADD_ATTEMPTS = 5;
/** Blob copies writeCopy() writes at most per call, following the index. */
const COPY_ATTEMPTS = 5;

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
   * Adds one session's manifest in front and keeps the newest MANIFESTS_KEPT: a read-modify-write
   * that the index applies only while the key's manifests are still what was read, tried again
   * when another writer (a replica, a session of the same key finishing at once) got there first.
   * The blob copy follows with what the index took (writeCopy). With the index down, the blob copy
   * alone takes it, last writer wins (a warm start only ever predicts; the next session records it).
   */
  async add(ns: string, buildKeyHex: string, actionIds: readonly Uint8Array[]): Promise<void> {
    const session: IStoredManifest = { createdUnixMs: this.deps.now(), actionIds: [...actionIds] };
    for (let attempt = 1; ; attempt++) {
      const { manifests: current, indexBytes, indexUp } = await this.read(ns, buildKeyHex);
      const manifests = [session, ...current].slice(0, MANIFESTS_KEPT);
      const bytes = Buffer.from(StoredManifests.encode({ manifests }).finish());
      const swapped = indexUp ? await this.swap(ns, buildKeyHex, indexBytes, bytes) : "unavailable";
      if (swapped === false && attempt < ADD_ATTEMPTS) continue;
      if (swapped === false) {
        // Every try met a newer write: this session's manifest gives way (its key is that busy).
        this.deps.logger.warn({ attempts: attempt }, "a build key's manifests kept changing; this session's was not added");
        return;
      }
      if (swapped === "unavailable") this.deps.logger.warn("index unavailable; manifest kept in the blob store");
      await this.writeCopy(ns, buildKeyHex, bytes);
      return;
    }
  }

  /** The union of the kept manifests as ActionID hex, newest session's order first, each ID once. */
  async union(ns: string, buildKeyHex: string): Promise<string[]> {
    return unionOf((await this.read(ns, buildKeyHex)).manifests);
  }

  /**
   * union() for a prefetch: the key is in use, so its blob copy is rewritten (at most daily) to stay
   * clear of gc. The rewrite is not awaited: a fresh runner's stream never waits for a blob PUT.
   */
  async forPrefetch(ns: string, buildKeyHex: string): Promise<string[]> {
    const { manifests } = await this.read(ns, buildKeyHex);
    const id = `${ns}/${buildKeyHex}`;
    const now = this.deps.now();
    if (manifests.length > 0 && now - (this.refreshed.get(id) ?? 0) >= this.refreshEveryMs) {
      this.refreshed.delete(id);
      this.refreshed.set(id, now);
      if (this.refreshed.size > REFRESHED_KEYS_MAX) this.refreshed.delete(this.refreshed.keys().next().value as string);
      const bytes = Buffer.from(StoredManifests.encode({ manifests }).finish());
      void this.writeCopy(ns, buildKeyHex, bytes).catch((err: Error) =>
        this.deps.logger.warn({ err: err.message }, "could not refresh a manifest's blob copy; gc may expire it"),
      );
    }
    return unionOf(manifests);
  }

  /**
   * Writes the blob copy, then follows the index: two writers' copies can land in the other order
   * than their swaps did, so while the index holds another value (a later writer's), that is
   * written too. The last copy written is thus checked against the index after it landed, and the
   * copy a rebuild restores from ends equal to the index.
   */
  private async writeCopy(ns: string, buildKeyHex: string, bytes: Buffer): Promise<void> {
    const { index, calls } = this.deps;
    let copy = bytes;
    for (let attempt = 1; attempt <= COPY_ATTEMPTS; attempt++) {
      await writeManifestCopy(this.deps.blobs, ns, buildKeyHex, copy, calls);
      const held = await calls.index("getManifests", () => index.getManifests(ns, buildKeyHex)).catch(() => null);
      if (held === null || held.equals(copy)) return;
      copy = held;
    }
  }

  /**
   * Index first; when it has nothing (a new key, or a flushed index) the blob copy, put back lazily.
   * `indexBytes` is what the index holds as far as this read knows, for add()'s compare-and-set.
   */
  private async read(ns: string, buildKeyHex: string): Promise<ManifestsRead> {
    const { index, blobs, calls } = this.deps;
    let bytes: Buffer | null = null;
    let indexUp = true;
    try {
      bytes = await calls.index("getManifests", () => index.getManifests(ns, buildKeyHex));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      indexUp = false;
    }
    let indexBytes = bytes;
    if (bytes === null) {
      bytes = await calls.blob("getBytes", () => blobs.getBytes(manifestKey(ns, buildKeyHex)));
      // Put back only while the index still has none: a session's add may have landed meanwhile.
      if (bytes !== null && indexUp && (await this.swap(ns, buildKeyHex, null, bytes)) === true) indexBytes = bytes;
    }
    return { manifests: bytes === null ? [] : decodeManifests(bytes), indexBytes, indexUp };
  }

  /** The index's compare-and-set; "unavailable" when it cannot be reached. */
  private async swap(ns: string, buildKeyHex: string, expected: Buffer | null, value: Buffer): Promise<boolean | "unavailable"> {
    const { index, calls } = this.deps;
    try {
      return await calls.index("swapManifests", () => index.swapManifests(ns, buildKeyHex, expected, value));
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      return "unavailable";
    }
  }
}

interface ManifestsRead {
  manifests: IStoredManifest[];
  indexBytes: Buffer | null;
  indexUp: boolean;
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
