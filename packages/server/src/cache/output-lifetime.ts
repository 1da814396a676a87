import { idToHex } from "@gocacheprog/common";
import { inlineBytes } from "../storage/index/record-codec.ts";
import type { ActionRecord } from "../storage/index/types.ts";
import { compressedOutputKey, outputKey } from "../storage/keys.ts";

/**
 * Where puts (cache/outputs.ts) and gc (cache/gc.ts) meet over a stored output: which blob a record
 * keeps alive, and which held blob a put may reuse instead of storing its body again.
 */

type Ref = Pick<ActionRecord, "outputId" | "size" | "inline" | "codec">;

/** The blob that holds a record's output, or null when the record holds it itself (inline or empty). */
export function outputBlobKey(ns: string, ref: Ref): string | null {
  if (ref.size === 0 || ref.inline) return null;
  const outputHex = idToHex(ref.outputId);
  return ref.codec === "zstd" ? compressedOutputKey(ns, outputHex, ref.size) : outputKey(ns, outputHex);
}

/** Output bytes stored inside the record itself (counted against the size budget by gc). */
export function bytesInRecord(ref: Ref): number {
  return inlineBytes(ref);
}

/**
 * Whether a put may reuse a blob last written at `lastModified`. gc deletes a blob that nothing
 * referred to when it read the index, once the blob is older than its grace period; a put that
 * reuses it writes its record after that read, unseen. Reusing only blobs younger than `maxAgeMs`
 * (half the grace) leaves the put the other half to write its record before the blob can qualify.
 * An older blob is written again instead (a link answered 409), since the one thing gc reads again
 * right before deleting is the blob's date. Writing is no lock, so the put's write landing between
 * that read and the delete still loses it; but that window is one round trip, not the whole pass.
 * undefined: always reuse. `now` is the real clock, as the store's dates are.
 */
export function reusable(lastModified: Date, maxAgeMs: number | undefined, now = Date.now()): boolean {
  return maxAgeMs === undefined || lastModified.getTime() >= now - maxAgeMs;
}
