// The generated protobuf classes, behind a stable import path (@gocacheprog/common/proto).
import $protobuf from "protobufjs/minimal.js";
import { gocacheprog } from "./gen/gocacheprog.js";

// Every 64-bit field here (sizes, millisecond times) fits in a double, so decode them as plain
// numbers instead of Long objects.
$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();

export const ActionEntry = gocacheprog.v1.ActionEntry;
export const BatchLookupRequest = gocacheprog.v1.BatchLookupRequest;
export const BatchLookupResponse = gocacheprog.v1.BatchLookupResponse;
export type IActionEntry = gocacheprog.v1.IActionEntry;
export const BatchUploadRequest = gocacheprog.v1.BatchUploadRequest;
export const BatchUploadResponse = gocacheprog.v1.BatchUploadResponse;
export type IUploadItem = gocacheprog.v1.IUploadItem;
export type IUploadItemResult = gocacheprog.v1.IUploadItemResult;
export const ManifestUpload = gocacheprog.v1.ManifestUpload;
export const PrefetchRequest = gocacheprog.v1.PrefetchRequest;
export const PrefetchFrame = gocacheprog.v1.PrefetchFrame;
export const PrefetchEntry = gocacheprog.v1.PrefetchEntry;
export const StoredManifests = gocacheprog.v1.StoredManifests;
export const Codec = gocacheprog.v1.Codec;
export type IPrefetchFrame = gocacheprog.v1.IPrefetchFrame;
export type IPrefetchEntry = gocacheprog.v1.IPrefetchEntry;
export type IStoredManifest = gocacheprog.v1.IStoredManifest;

/** Upper bound on ActionIDs per batch request, shared so clients never exceed what servers accept. */
export const MAX_BATCH_LOOKUP = 1000;

/**
 * A batch upload's limits, shared so clients never exceed what servers accept: items per request,
 * and bytes of the whole encoded request (the server reads it whole, so this bounds its memory).
 */
export const MAX_BATCH_UPLOAD_ITEMS = 256;
export const MAX_BATCH_UPLOAD_BYTES = 4 << 20;

/** ActionIDs one manifest may list: several times the largest builds (std is ~1.1k, cmd ~4k entries). */
export const MAX_MANIFEST_IDS = 50_000;

/**
 * Entries one prefetch announce may list: the union of the three manifests a server keeps per build
 * key (the server's MANIFESTS_KEPT). A client refuses more before decoding them (an object each).
 */
export const MAX_ANNOUNCED_ENTRIES = 3 * MAX_MANIFEST_IDS;

/**
 * How often field `field` occurs at the top level of an encoded message, counted from the bytes
 * without decoding them, and no further than one past `max`. A repeated field's empty entries cost
 * two bytes each on the wire and an object each once decoded (1 MiB of them: 500k objects, ~100 MB
 * and over a second of CPU), so a request's entry count is checked with this before it is decoded.
 * Throws RangeError on bytes that are not a message.
 */
export function countField(bytes: Uint8Array, field: number, max: number): number {
  const reader = $protobuf.Reader.create(bytes);
  let count = 0;
  while (reader.pos < reader.len && count <= max) {
    const tag = reader.uint32();
    if (tag >>> 3 === field) count++;
    reader.skipType(tag & 7);
  }
  return count;
}

/** Entries the announce in an encoded PrefetchFrame lists (0 in other frames), counted as countField counts. */
export function countAnnounced(frame: Uint8Array, max: number): number {
  const reader = $protobuf.Reader.create(frame);
  let count = 0;
  while (reader.pos < reader.len && count <= max) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | 2)) count += countField(reader.bytes(), 1, max - count);
    else reader.skipType(tag & 7);
  }
  return count;
}

/** Output bytes per prefetch entry frame; larger outputs span several frames. */
export const PREFETCH_CHUNK_BYTES = 1 << 20;

/** Largest frame a client accepts: one chunk plus its fields, with room to spare. The announce frame
 * of a manifest union (3 x MAX_MANIFEST_IDS entries of ~40 bytes) stays well below it. */
export const MAX_PREFETCH_FRAME_BYTES = 8 << 20;

/**
 * Chunks a FrameSplitter keeps of one incomplete frame before it joins them (FrameSplitter.gather):
 * enough that an ordinary stream never pays the extra copy (a 1 MiB frame over TLS is 64 records of
 * 16 KiB), few enough that their objects cost little (~30 KB).
 */
const MAX_PIECES = 256;

/** One frame with its varint length prefix (protobuf's length-delimited framing). */
export function encodeFrame(frame: IPrefetchFrame): Uint8Array {
  const body = PrefetchFrame.encode(frame).finish();
  const prefix = $protobuf.Writer.create().uint32(body.byteLength).finish();
  const out = new Uint8Array(prefix.byteLength + body.byteLength);
  out.set(prefix, 0);
  out.set(body, prefix.byteLength);
  return out;
}

/** Below this many data bytes an entry frame goes out as one buffer: a copy is cheaper than another write. */
const SMALL_FRAME_DATA = 16 << 10;

/**
 * The same bytes as encodeFrame({ entry: { ...fields, data } }), as a few buffers that leave `data`
 * where it is: the protobuf writer would copy it once and the length prefix once more, and for a
 * warm-start stream (every output of a build, ~170 MB for std) those copies were the server's
 * largest allocation and most of its GC time. `data` (field 6) is written after the other fields,
 * which protobuf decoders accept in any order.
 */
export function encodeEntryFrame(fields: IPrefetchEntry, data: Uint8Array): Uint8Array[] {
  const entryHead = PrefetchEntry.encode({ ...fields, data: undefined })
    .uint32((6 << 3) | 2)
    .uint32(data.byteLength)
    .finish();
  const entryLength = entryHead.byteLength + data.byteLength;
  const frameHead = $protobuf.Writer.create()
    .uint32((2 << 3) | 2)
    .uint32(entryLength)
    .finish();
  const prefix = $protobuf.Writer.create()
    .uint32(frameHead.byteLength + entryLength)
    .finish();
  if (data.byteLength < SMALL_FRAME_DATA) return [Buffer.concat([prefix, frameHead, entryHead, data])];
  return [Buffer.concat([prefix, frameHead, entryHead]), data];
}

/**
 * Splits a byte stream into length-delimited frames without ever holding more than one frame (and
 * one read chunk): a length above maxFrameBytes throws before its body is read, so a peer cannot make
 * the reader buffer without bound.
 */
export class FrameSplitter {
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  /** Where gather() joins an incomplete frame's pieces; buffered[0] is a view of its first bytes. */
  private room: Buffer | undefined;

  constructor(private readonly maxFrameBytes = MAX_PREFETCH_FRAME_BYTES) {}

  /** Adds bytes and returns every frame body completed by them. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.byteLength;
    const frames: Uint8Array[] = [];
    for (;;) {
      const head = this.peek(Math.min(this.bufferedBytes, 5));
      const length = readVarint(head);
      if (length === undefined) {
        if (head.byteLength >= 5) throw new RangeError("prefetch frame length is not a valid varint");
        return frames;
      }
      if (length.value > this.maxFrameBytes) throw new RangeError(`prefetch frame of ${length.value} bytes exceeds ${this.maxFrameBytes}`);
      if (this.bufferedBytes < length.bytes + length.value) {
        if (this.buffered.length > MAX_PIECES) this.gather(length.bytes + length.value);
        return frames;
      }
      const all = this.take(length.bytes + length.value);
      this.room = undefined;
      frames.push(all.subarray(length.bytes));
    }
  }

  /** Bytes received that do not (yet) make a whole frame: non-zero at the end means a truncated stream. */
  get pending(): number {
    return this.bufferedBytes;
  }

  /**
   * Joins the pieces of the incomplete frame (all that is buffered) into one buffer with room to
   * grow, doubling up to the frame's `need` bytes: a peer trickling a frame a byte per chunk would
   * otherwise cost an object per byte (~110 bytes each, ~1 GB for one 8 MiB frame).
   */
  private gather(need: number): void {
    const first = this.buffered[0]!;
    const room = this.room;
    const fits =
      room !== undefined && first.buffer === room.buffer && first.byteOffset === room.byteOffset && room.byteLength >= this.bufferedBytes;
    const target = fits ? room : Buffer.allocUnsafe(Math.min(need, Math.max(2 * this.bufferedBytes, 64 << 10)));
    let at = fits ? first.byteLength : 0;
    for (const piece of fits ? this.buffered.slice(1) : this.buffered) {
      target.set(piece, at);
      at += piece.byteLength;
    }
    this.room = target;
    this.buffered = [target.subarray(0, at)];
  }

  /** The first n buffered bytes, copying only the few chunks they span. */
  private peek(n: number): Uint8Array {
    const first = this.buffered[0];
    if (first && first.byteLength >= n) return first.subarray(0, n);
    const head = new Uint8Array(n);
    let at = 0;
    for (const chunk of this.buffered) {
      if (at >= n) break;
      const part = chunk.subarray(0, n - at);
      head.set(part, at);
      at += part.byteLength;
    }
    return head;
  }

  /**
   * The first n buffered bytes: a view when one chunk holds them all, else a copy of exactly those
   * bytes. What follows stays a view of its chunk: joining it too would copy most of a stream twice,
   * since a frame of up to 64 KiB read in 64 KiB chunks nearly always spans two of them.
   */
  private take(n: number): Uint8Array {
    this.bufferedBytes -= n;
    const first = this.buffered[0]!;
    if (first.byteLength >= n) {
      if (first.byteLength === n) this.buffered.shift();
      else this.buffered[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const frame = Buffer.allocUnsafe(n);
    for (let at = 0; at < n; ) {
      const chunk = this.buffered[0]!;
      const part = chunk.subarray(0, n - at);
      frame.set(part, at);
      at += part.byteLength;
      if (part.byteLength === chunk.byteLength) this.buffered.shift();
      else this.buffered[0] = chunk.subarray(part.byteLength);
    }
    return frame;
  }
}

function readVarint(bytes: Uint8Array): { value: number; bytes: number } | undefined {
  let value = 0;
  for (let i = 0; i < bytes.byteLength && i < 5; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, bytes: i + 1 };
  }
  return undefined;
}
