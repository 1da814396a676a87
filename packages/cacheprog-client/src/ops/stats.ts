import type { HitSource } from "../tier.ts";

/**
 * Counters for one process. The JSON form is a stable, flat schema: tiers add to it (remote hits,
 * uploads) without renaming anything, and `gets === hits + misses + getErrors` always holds.
 */
export interface StatsJson {
  version: 1;
  gets: number;
  hits: number;
  localHits: number;
  remoteHits: number;
  misses: number;
  getErrors: number;
  puts: number;
  putErrors: number;
  /** Output bytes stored by puts. */
  putBytes: number;
  /** Output bytes handed to go by hits. */
  hitBytes: number;
  /** Output bytes fetched from the remote tier (a subset of hitBytes). */
  remoteHitBytes: number;
  /** Requests the remote tier sent for gets (coalesced gets share one). */
  remoteGets: number;
  /** Remote calls that failed (error, bad status, timeout); each one is a miss or a lost upload, never a failed build. */
  remoteErrors: number;
  /** Body bytes of those hits as they came over the wire (less than remoteHitBytes when compressed). */
  remoteWireBytes: number;
  /** Remote replies whose bytes did not hash to their OutputID, or did not decode (treated as misses). */
  remoteCorrupt: number;
  /** Wall time spent in remote calls, summed over calls (they overlap). */
  remoteMs: number;
  /** Lookups started before go asked (the compiler-output entry that follows every archive hit). */
  remotePrefetches: number;
  /** go gets answered by such a prefetch. */
  prefetchHits: number;
  uploads: number;
  /** Uploads not needed: the server already had the output (link) or this process had fetched it from there. */
  uploadsSkipped: number;
  /** Uploads given up without trying: queue full, breaker open, or still queued at the drain deadline. */
  uploadsDropped: number;
  uploadErrors: number;
  uploadBytes: number;
  /** Body bytes those uploads sent (less than uploadBytes when compressed). */
  uploadWireBytes: number;
  /** Requests uploads made: one or two per large output (a link attempt first), one per batch of small ones (remote/upload-batch.ts). */
  uploadRequests: number;
  /** Warm start: entries the prefetch stream stored in the local tier, and their bytes. */
  warmEntries: number;
  warmBytes: number;
  /** Of those, how many go then asked for (hits), and how many it never did. */
  warmUsed: number;
  warmWasted: number;
  /** ActionIDs in the build manifest uploaded at session end (0 = none uploaded: nothing new, or read-only). */
  manifestIds: number;
  /** Process lifetime, start-up included. */
  processMs: number;
  /** Time spent answering requests, summed over requests (they overlap, so it can exceed processMs). */
  handlingMs: number;
}

export class Stats {
  gets = 0;
  hits = 0;
  readonly hitsBySource: Record<HitSource, number> = { local: 0, remote: 0 };
  misses = 0;
  getErrors = 0;
  puts = 0;
  putErrors = 0;
  putBytes = 0;
  hitBytes = 0;
  remoteHitBytes = 0;
  remoteGets = 0;
  remoteErrors = 0;
  remoteWireBytes = 0;
  remoteCorrupt = 0;
  remoteMs = 0;
  remotePrefetches = 0;
  prefetchHits = 0;
  uploads = 0;
  uploadsSkipped = 0;
  uploadsDropped = 0;
  uploadErrors = 0;
  uploadBytes = 0;
  uploadWireBytes = 0;
  uploadRequests = 0;
  warmEntries = 0;
  warmBytes = 0;
  warmUsed = 0;
  warmWasted = 0;
  manifestIds = 0;
  handlingMs = 0;

  recordHit(source: HitSource, bytes: number): void {
    this.hits++;
    this.hitsBySource[source]++;
    this.hitBytes += bytes;
    if (source === "remote") this.remoteHitBytes += bytes;
  }

  toJSON(processMs = performance.now()): StatsJson {
    return {
      version: 1,
      gets: this.gets,
      hits: this.hits,
      localHits: this.hitsBySource.local,
      remoteHits: this.hitsBySource.remote,
      misses: this.misses,
      getErrors: this.getErrors,
      puts: this.puts,
      putErrors: this.putErrors,
      putBytes: this.putBytes,
      hitBytes: this.hitBytes,
      remoteHitBytes: this.remoteHitBytes,
      remoteGets: this.remoteGets,
      remoteErrors: this.remoteErrors,
      remoteWireBytes: this.remoteWireBytes,
      remoteCorrupt: this.remoteCorrupt,
      remoteMs: Math.round(this.remoteMs),
      remotePrefetches: this.remotePrefetches,
      prefetchHits: this.prefetchHits,
      uploads: this.uploads,
      uploadsSkipped: this.uploadsSkipped,
      uploadsDropped: this.uploadsDropped,
      uploadErrors: this.uploadErrors,
      uploadBytes: this.uploadBytes,
      uploadWireBytes: this.uploadWireBytes,
      uploadRequests: this.uploadRequests,
      warmEntries: this.warmEntries,
      warmBytes: this.warmBytes,
      warmUsed: this.warmUsed,
      warmWasted: this.warmWasted,
      manifestIds: this.manifestIds,
      processMs: Math.round(processMs),
      handlingMs: Math.round(this.handlingMs),
    };
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export function formatStatsLine(s: StatsJson): string {
  const hits = s.remoteHits > 0 ? `${s.hits} hits: ${s.localHits} local, ${s.remoteHits} remote` : `${s.hits} hits`;
  const errors = s.getErrors + s.putErrors > 0 ? `, ${s.getErrors + s.putErrors} errors` : "";
  const uploadsTried = s.uploads + s.uploadsSkipped + s.uploadsDropped + s.uploadErrors;
  const uploads =
    uploadsTried > 0
      ? `, uploads: ${s.uploads} done (${mb(s.uploadBytes)}, ${mb(s.uploadWireBytes)} sent, ${s.uploadRequests} request${s.uploadRequests === 1 ? "" : "s"}), ${s.uploadsSkipped} skipped, ${s.uploadsDropped} dropped, ${s.uploadErrors} failed`
      : "";
  const remote =
    s.remoteGets + s.remoteErrors > 0
      ? `; remote: ${s.remoteGets} lookups (${s.remotePrefetches} prefetched, ${s.prefetchHits} used), ${s.remoteErrors} errors, ${s.remoteCorrupt} corrupt, ${s.remoteMs} ms, ${mb(s.remoteHitBytes)} down (${mb(s.remoteWireBytes)} on the wire)`
      : "";
  const warm =
    s.warmEntries + s.manifestIds > 0
      ? `; warm start: ${s.warmEntries} prefetched (${mb(s.warmBytes)}), ${s.warmUsed} used, ${s.warmWasted} wasted, manifest ${s.manifestIds} IDs`
      : "";
  return (
    `gocacheprog stats: ${s.gets} gets (${hits}, ${s.misses} misses), ${s.puts} puts${errors}${uploads}; ` +
    `read ${mb(s.hitBytes)}, wrote ${mb(s.putBytes)}${remote}${warm}; ${s.processMs} ms in process, ${s.handlingMs} ms handling requests\n`
  );
}
