import { ID_BYTES } from "@gocacheprog/common";
import { Packr } from "msgpackr";
import type { ActionRecord } from "./types.ts";

/**
 * Wire form of an action record, in the index and as the copy in the blob store:
 *   { v: 1, o: OutputID (32 bytes), s: size, p: put time ms, l: last access ms, i?: inline bytes }
 *   { v: 2, ...the same, c: codec } when the output is kept compressed (c = 1: our zstd form), so `i`
 *   (or the blob) holds the compressed bytes while `s` stays the logical size.
 * Short field names because millions of these sit in Redis. `v` lets a future server change the
 * layout while older records stay readable; a record from an unknown version is never guessed at.
 * A field that changes how the output's bytes must be read (a codec) therefore comes with a new
 * version: an older replica then answers a miss instead of serving bytes it cannot decode. Raw
 * outputs are still written as version 1, which every replica reads.
 */
export const RECORD_VERSION = 2;

/** Codec numbers on the wire. */
const CODEC_ZSTD = 1;

/** A record that is not a valid record: garbage, truncated, or written by an unknown version. */
export class RecordFormatError extends Error {
  override name = "RecordFormatError";
}

// Plain maps (no shared structures) so every record decodes on its own; copies so a decoded record
// never aliases a buffer the storage driver reuses.
const packr = new Packr({ useRecords: false, copyBuffers: true });

interface WireRecord {
  v: 1 | 2;
  o: Uint8Array;
  s: number;
  p: number;
  l: number;
  i?: Uint8Array;
  c?: number;
}

export function encodeRecord(record: ActionRecord): Buffer {
  const wire: WireRecord = { v: 1, o: record.outputId, s: record.size, p: record.putTimeMs, l: record.lastAccessMs };
  if (record.inline !== undefined) wire.i = record.inline;
  if (record.codec === "zstd") Object.assign(wire, { v: 2, c: CODEC_ZSTD });
  return packr.pack(wire);
}

/** Output bytes a record holds itself (an inline output): its share of its namespace's usage bytes. */
export function inlineBytes(record: Pick<ActionRecord, "inline">): number {
  return record.inline?.byteLength ?? 0;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Throws RecordFormatError for anything but a well-formed version-1 or version-2 record. Index implementations
 * turn that into a miss (a miss is always safe for a cache); rebuild counts it as skipped.
 */
export function decodeRecord(bytes: Uint8Array): ActionRecord {
  let wire: unknown;
  try {
    wire = packr.unpack(bytes);
  } catch (error) {
    throw new RecordFormatError(`malformed action record: ${(error as Error).message}`);
  }
  if (typeof wire !== "object" || wire === null || !("v" in wire)) {
    throw new RecordFormatError("malformed action record: not a versioned map");
  }
  const fields = wire as Partial<WireRecord> & { v: unknown };
  if (fields.v !== 1 && fields.v !== 2) {
    throw new RecordFormatError(`unsupported action record version ${JSON.stringify(fields.v)} (this server reads 1 to ${RECORD_VERSION})`);
  }
  const { o, s, p, l, i, c } = fields;
  if (fields.v === 2 && c !== CODEC_ZSTD) throw new RecordFormatError(`unsupported output codec ${JSON.stringify(c)}`);
  const compressed = fields.v === 2;
  if (!(o instanceof Uint8Array) || o.length !== ID_BYTES) throw new RecordFormatError("malformed action record: bad OutputID");
  if (!isNonNegativeInteger(s) || !isNonNegativeInteger(p) || !isNonNegativeInteger(l)) {
    throw new RecordFormatError("malformed action record: bad size or timestamps");
  }
  // Compressed inline bytes are checked when they are decoded (against the size and the OutputID).
  if (i !== undefined && (!(i instanceof Uint8Array) || (!compressed && i.length !== s))) {
    throw new RecordFormatError("malformed action record: inline bytes do not match the size");
  }
  const record: ActionRecord = { outputId: toBuffer(o), size: s, putTimeMs: p, lastAccessMs: l };
  if (i !== undefined) record.inline = toBuffer(i);
  if (compressed) record.codec = "zstd";
  return record;
}

/** decodeRecord, but null instead of RecordFormatError: for readers that treat a bad record as a miss. */
export function tryDecodeRecord(bytes: Uint8Array): ActionRecord | null {
  try {
    return decodeRecord(bytes);
  } catch (error) {
    if (error instanceof RecordFormatError) return null;
    throw error;
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
