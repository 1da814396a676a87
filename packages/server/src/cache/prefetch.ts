import {
  Codec,
  encodeEntryFrame,
  encodeFrame,
  type IPrefetchEntry,
  MAX_BATCH_LOOKUP,
  PREFETCH_CHUNK_BYTES,
} from "@gocacheprog/common/proto";
import type { ActionRecord } from "../storage/index/types.ts";
import { bytesPassed } from "./output-bodies.ts";
import type { OpenedOutput, OutputBody } from "./outputs.ts";

/**
 * The body of POST /v1/prefetch: an announce frame listing every entry that will come, then each
 * entry's output in frames of at most PREFETCH_CHUNK_BYTES, then an end frame. Outputs are read
 * ahead with bounded parallelism (at most `concurrency` reads and about `bufferBytes` of outputs in
 * flight) and the generator only advances when the response stream pulls, so a slow client holds
 * back the reads (back-pressure) and a 1 GB prefetch never sits in memory.
 */

export interface PrefetchLimits {
  /** Output reads in flight at once. */
  concurrency: number;
  /** Output bytes read ahead of the client at most (one larger output may exceed it alone). */
  bufferBytes: number;
  /** The client's budget: entries beyond it (in manifest order) are not announced. 0 = none. */
  maxBytes: number;
}

export interface PrefetchSource {
  records(actionHexes: readonly string[]): Promise<(ActionRecord | null)[]>;
  /** The output's bytes; null = gone or corrupt. May throw (backend down): then it is reported missing. */
  open(record: ActionRecord): Promise<OpenedOutput | null>;
  /** Called for every entry announced (last access, so eviction keeps what builds still use). */
  used(actionHex: string, record: ActionRecord): void;
  counted(result: "sent" | "missing", bytes: number): void;
}

interface Planned {
  actionId: Buffer;
  actionHex: string;
  record: ActionRecord;
  /** Planning left the record's inline output out (its budget was spent): the record is read again in turn. */
  reread?: boolean;
}

/** Pieces are handed to the response in writes of about this size (see prefetchFrames). */
const WRITE_BYTES = 64 * 1024;

/**
 * The stream's pieces coalesced into writes of about WRITE_BYTES: each item of the response stream
 * costs a pull, a promise and a socket write, and an entry is 3-4 small pieces (frame fields, data).
 * Whatever is gathered goes out before the generator waits for a read, so nothing is held back.
 */
export async function* prefetchFrames(
  source: PrefetchSource,
  actionHexes: readonly string[],
  limits: PrefetchLimits,
): AsyncGenerator<Uint8Array> {
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const take = () => {
    const out = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
    // Read into one new buffer and, when joined, copied into another: garbage once written.
    bytesPassed(2 * batchBytes);
    batch = [];
    batchBytes = 0;
    return out;
  };
  for await (const piece of framePieces(source, actionHexes, limits)) {
    if (piece === WAITING) {
      if (batchBytes > 0) yield take();
      continue;
    }
    batch.push(piece);
    batchBytes += piece.byteLength;
    if (batchBytes >= WRITE_BYTES) yield take();
  }
  if (batchBytes > 0) yield take();
}

/** Yielded by framePieces before it waits for a read that has not finished yet. */
const WAITING = Symbol("waiting");

async function* framePieces(source: PrefetchSource, actionHexes: readonly string[], limits: PrefetchLimits) {
  const planned: Planned[] = [];
  let total = 0;
  let truncated = false;
  // Records hold small outputs inline, and planning holds its records until the stream ends: past
  // bufferBytes of those (up to 3 x 50,000 entries of 16 KiB in a union of manifests) the inline bytes
  // are left out and read again when their turn comes, so a client that stops after the announce does
  // not hold gigabytes on the server. A build's fit: std has 773 outputs of 16 KiB or less, 1.1 MB in all.
  let inlineHeld = 0;
  for (let i = 0; i < actionHexes.length; i += MAX_BATCH_LOOKUP) {
    const batch = actionHexes.slice(i, i + MAX_BATCH_LOOKUP);
    const records = await source.records(batch);
    records.forEach((record, j) => {
      if (!record) return;
      if (limits.maxBytes > 0 && total + record.size > limits.maxBytes) {
        truncated = true;
        return;
      }
      total += record.size;
      const entry: Planned = { actionId: Buffer.from(batch[j]!, "hex"), actionHex: batch[j]!, record };
      const inlineBytes = record.inline?.byteLength ?? 0;
      if (inlineHeld + inlineBytes <= limits.bufferBytes) inlineHeld += inlineBytes;
      else {
        const { inline: _, ...withoutOutput } = record;
        Object.assign(entry, { record: withoutOutput, reread: true });
      }
      planned.push(entry);
    });
  }
  yield encodeFrame({ announce: { entries: planned.map((p) => ({ actionId: p.actionId, size: p.record.size })) } });

  const window: { size: number; opened: Promise<OpenedOutput | null>; done: boolean }[] = [];
  let next = 0;
  let windowBytes = 0;
  const fill = () => {
    while (
      next < planned.length &&
      window.length < limits.concurrency &&
      (window.length === 0 || windowBytes + planned[next]!.record.size <= limits.bufferBytes)
    ) {
      const entry = planned[next++]!;
      const { actionHex, record } = entry;
      source.used(actionHex, record);
      // A failed read is a missing entry, never a failed stream.
      const opening = entry.reread ? reread(source, entry) : source.open(record);
      const slot = { size: record.size, opened: opening.catch(() => null), done: false };
      void slot.opened.then(() => {
        slot.done = true;
      });
      window.push(slot);
      windowBytes += record.size;
    }
  };

  let sent = 0;
  let missing = 0;
  /** The slot being sent: out of the window, but still to close if the client goes away now. */
  let current: (typeof window)[number] | undefined;
  try {
    for (const entry of planned) {
      fill();
      const slot = window.shift()!;
      current = slot;
      if (!slot.done) yield WAITING;
      const opened = await slot.opened;
      const head: IPrefetchEntry = {
        actionId: entry.actionId,
        outputId: entry.record.outputId,
        size: entry.record.size,
        putTimeUnixMs: entry.record.putTimeMs,
      };
      if (opened?.zstdSize !== undefined) head.codec = Codec.CODEC_ZSTD;
      let ok = false;
      if (opened?.body !== undefined) {
        try {
          for await (const frame of entryFrames(head, opened.body)) yield* frame;
          ok = true;
        } catch {
          // A body that fails verification or breaks mid-stream: what was sent is discarded by the client.
        }
      }
      current = undefined;
      windowBytes -= slot.size;
      if (ok) sent++;
      else {
        missing++;
        yield encodeFrame({ entry: { actionId: entry.actionId, missing: true } });
      }
      source.counted(ok ? "sent" : "missing", ok ? entry.record.size : 0);
    }
  } finally {
    // The client went away mid-stream: streams already opened ahead must not leak their descriptors
    // (or, on S3, their pooled sockets).
    for (const slot of current ? [current, ...window] : window) void slot.opened.then((opened) => destroy(opened?.body));
  }
  yield encodeFrame({ end: { sent, missing, truncated } });
}

/**
 * One entry as frames: the first carries the entry's fields, every one at most PREFETCH_CHUNK_BYTES
 * of data. Each frame comes as a few buffers, the output's bytes not copied (encodeEntryFrame).
 */
async function* entryFrames(head: IPrefetchEntry, body: OutputBody): AsyncGenerator<Uint8Array[]> {
  let offset = 0;
  const frame = (data: Uint8Array, last: boolean) => {
    const fields = offset === 0 ? head : { actionId: head.actionId };
    const bytes = encodeEntryFrame({ ...fields, offset, last }, data);
    offset += data.byteLength;
    return bytes;
  };
  if (Buffer.isBuffer(body)) {
    if (body.byteLength === 0) {
      yield frame(body, true);
      return;
    }
    for (let at = 0; at < body.byteLength; at += PREFETCH_CHUNK_BYTES) {
      yield frame(body.subarray(at, at + PREFETCH_CHUNK_BYTES), at + PREFETCH_CHUNK_BYTES >= body.byteLength);
    }
    return;
  }
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const chunk of body) {
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    while (pendingBytes > PREFETCH_CHUNK_BYTES) {
      const joined = Buffer.concat(pending, pendingBytes);
      yield frame(joined.subarray(0, PREFETCH_CHUNK_BYTES), false);
      pending = [joined.subarray(PREFETCH_CHUNK_BYTES)];
      pendingBytes -= PREFETCH_CHUNK_BYTES;
    }
  }
  yield frame(Buffer.concat(pending, pendingBytes), true);
}

/** An entry planned without its inline output: its record read again, null when it no longer holds the announced output. */
async function reread(source: PrefetchSource, entry: Planned): Promise<OpenedOutput | null> {
  const [record] = await source.records([entry.actionHex]);
  if (!record || !record.outputId.equals(entry.record.outputId) || record.size !== entry.record.size) return null;
  return source.open(record);
}

function destroy(body: OutputBody | undefined): void {
  if (body && !Buffer.isBuffer(body)) body.destroy?.();
}
