import { maxCompressedSize, ZSTD_FRAME_MAX, type ZstdCodec, ZstdFormatError } from "./zstd-form.ts";

/** Our compressed form cut into frames by their headers and decoded with bounded memory (see zstd.ts). */

/** The largest frame we accept: a frame of incompressible data is its content plus block headers. */
const FRAME_BYTES_MAX = ZSTD_FRAME_MAX + (ZSTD_FRAME_MAX >> 7) + 64;
const BLOCK_MAX = 128 * 1024;
const MAGIC = 0xfd2fb528;
/** Skippable frames (0x184D2A50-5F) carry data decoders pass over; we accept small ones only. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MAX = 1024;

const EMPTY = Buffer.alloc(0);

/** Where a frame ends, once enough of it is buffered; state carried between calls so nothing is rescanned. */
interface FrameScan {
  /** Offset of the next block header, or -1 while the frame header is incomplete. */
  cursor: number;
  contentSize: number;
  checksum: boolean;
  /** A skippable frame: nothing to decode. */
  skippable?: boolean;
}

/** Bytes of the frame content size field for each FCS flag (flag 0: 1 byte only in single-segment frames). */
const FCS_BYTES = [0, 2, 4, 8];

function scanHeader(buf: Buffer, len: number, scan: FrameScan): boolean {
  if (len < 5) return false;
  if (buf.readUInt32LE(0) !== MAGIC) throw new ZstdFormatError("not a zstd frame (bad magic number)");
  const fhd = buf[4]!;
  const singleSegment = (fhd & 0x20) !== 0;
  if (fhd & 0x08) throw new ZstdFormatError("zstd frame header has its reserved bit set");
  if (fhd & 0x03) throw new ZstdFormatError("zstd frame uses a dictionary");
  const fcsFlag = fhd >> 6;
  const fcsBytes = fcsFlag === 0 && singleSegment ? 1 : FCS_BYTES[fcsFlag]!;
  if (fcsBytes === 0) throw new ZstdFormatError("zstd frame does not declare its content size");
  const headerLen = 5 + (singleSegment ? 0 : 1) + fcsBytes;
  if (len < headerLen) return false;
  const at = headerLen - fcsBytes;
  let size: number;
  if (fcsBytes === 1) size = buf[at]!;
  else if (fcsBytes === 2) size = buf.readUInt16LE(at) + 256;
  else if (fcsBytes === 4) size = buf.readUInt32LE(at);
  else size = Number(buf.readBigUInt64LE(at));
  if (size > ZSTD_FRAME_MAX) throw new ZstdFormatError(`zstd frame declares ${size} bytes, more than ${ZSTD_FRAME_MAX}`);
  scan.contentSize = size;
  scan.checksum = (fhd & 0x04) !== 0;
  scan.cursor = headerLen;
  return true;
}

/** A skippable frame's total length once all of it is in `buf`, else 0; -1 when `buf` starts with another frame. */
function scanSkippable(buf: Buffer, len: number, scan: FrameScan): number {
  if (len < 4 || (buf.readUInt32LE(0) & SKIPPABLE_MASK) >>> 0 !== SKIPPABLE_MAGIC) return -1;
  if (len < 8) return 0;
  const size = buf.readUInt32LE(4);
  if (size > SKIPPABLE_MAX) throw new ZstdFormatError(`skippable frame of ${size} bytes, more than ${SKIPPABLE_MAX}`);
  if (len < 8 + size) return 0;
  Object.assign(scan, { skippable: true, contentSize: 0 });
  return 8 + size;
}

/** The frame's total length once all of it is in `buf`, else 0 (more bytes needed). */
function scanFrame(buf: Buffer, len: number, scan: FrameScan): number {
  if (scan.cursor < 0) {
    const skippable = scanSkippable(buf, len, scan);
    if (skippable >= 0) return skippable;
  }
  if (scan.cursor < 0 && !scanHeader(buf, len, scan)) return 0;
  while (scan.cursor + 3 <= len) {
    const header = buf.readUIntLE(scan.cursor, 3);
    const type = (header >> 1) & 3;
    const blockSize = header >> 3;
    if (type === 3) throw new ZstdFormatError("zstd block of reserved type");
    if (blockSize > BLOCK_MAX) throw new ZstdFormatError("zstd block larger than 128 KiB");
    const end = scan.cursor + 3 + (type === 1 ? 1 : blockSize) + ((header & 1) === 1 && scan.checksum ? 4 : 0);
    if (end > FRAME_BYTES_MAX) throw new ZstdFormatError(`zstd frame longer than ${FRAME_BYTES_MAX} bytes`);
    if (end > len) return 0;
    scan.cursor = end;
    if (header & 1) return end;
  }
  return 0;
}

/**
 * Turns our compressed form back into the output, chunk by chunk, with bounded memory (one frame):
 * frames are cut from the stream by their headers, their declared sizes are added up and refused as
 * soon as they pass `declaredSize` (before anything is decoded), and each frame must decode to
 * exactly its declared size. Small skippable frames (the server's digest trailer) are passed over;
 * compressed bytes beyond maxCompressedSize(declaredSize) are refused (padding). end() throws
 * unless the whole output arrived. restart() begins the next output with the same buffers (one
 * decoder for a whole stream of outputs).
 */
export class ZstdStreamDecoder {
  private buf = EMPTY;
  private len = 0;
  private scan: FrameScan = { cursor: -1, contentSize: 0, checksum: false };
  private produced = 0;
  /** Compressed bytes taken for this output. */
  private consumed = 0;

  constructor(
    private readonly codec: ZstdCodec,
    private declaredSize: number,
  ) {}

  /** Forgets the output being decoded (and any partial frame of it): the next bytes start a new one. */
  restart(declaredSize: number): void {
    this.declaredSize = declaredSize;
    this.len = 0;
    this.scan = { cursor: -1, contentSize: 0, checksum: false };
    this.produced = 0;
    this.consumed = 0;
  }

  /**
   * Hands `onFrame` the decoded bytes of every frame this chunk completes, in order. They are the
   * codec's reused buffer (ZstdCodec.decodeFrame): valid only during that call. Throws ZstdFormatError.
   */
  push(chunk: Uint8Array, onFrame: (decoded: Buffer) => void): void {
    for (const decoded of this.frames(chunk)) onFrame(decoded);
  }

  /**
   * push() one frame at a time: each decoded frame is made only when the caller asks for the next, so
   * a caller that hands frames on (a reader that cannot take the compressed form) holds one at a
   * time, however many frames of zeros a small chunk holds. Finish iterating before the next call.
   */
  *frames(chunk: Uint8Array): Generator<Buffer> {
    this.consumed += chunk.byteLength;
    if (this.consumed > maxCompressedSize(this.declaredSize))
      throw new ZstdFormatError(`zstd form longer than its ${this.declaredSize}-byte output allows (padding)`);
    let input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Whole frames inside the chunk itself are decoded in place, without copying them.
    while (this.len === 0 && input.length > 0) {
      const end = scanFrame(input, input.length, this.scan);
      if (end === 0) break;
      const decoded = this.decode(input.subarray(0, end));
      input = input.subarray(end);
      if (decoded) yield decoded;
    }
    if (input.length === 0) return;
    this.append(input);
    for (;;) {
      const end = scanFrame(this.buf, this.len, this.scan);
      if (end === 0) return;
      const decoded = this.decode(this.buf.subarray(0, end));
      this.buf.copyWithin(0, end, this.len);
      this.len -= end;
      if (decoded) yield decoded;
    }
  }

  end(): void {
    if (this.len > 0) throw new ZstdFormatError("zstd stream ends inside a frame");
    if (this.produced !== this.declaredSize)
      throw new ZstdFormatError(`zstd stream holds ${this.produced} bytes, ${this.declaredSize} declared`);
  }

  /** A whole frame's decoded bytes (the codec's reused buffer); undefined for a skippable or empty one. */
  private decode(frame: Buffer): Buffer | undefined {
    const { contentSize, skippable } = this.scan;
    this.scan = { cursor: -1, contentSize: 0, checksum: false };
    if (skippable) return undefined;
    if (this.produced + contentSize > this.declaredSize)
      throw new ZstdFormatError(`zstd stream holds more than the ${this.declaredSize} bytes declared`);
    const raw = this.codec.decodeFrame(frame, contentSize);
    if (raw.length !== contentSize) throw new ZstdFormatError(`zstd frame decoded to ${raw.length} bytes, ${contentSize} declared`);
    this.produced += contentSize;
    return raw.length > 0 ? raw : undefined;
  }

  private append(input: Buffer): void {
    if (this.len + input.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.len + input.length, this.buf.length * 2, 64 * 1024));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    input.copy(this.buf, this.len);
    this.len += input.length;
  }
}

/** Decodes a whole compressed output held in memory (inline records, small blobs) into a buffer of its own. */
export function decompressOutput(codec: ZstdCodec, stored: Uint8Array, size: number): Buffer {
  const output = Buffer.allocUnsafe(size);
  let at = 0;
  const decoder = new ZstdStreamDecoder(codec, size);
  decoder.push(stored, (decoded) => {
    at += decoded.copy(output, at);
  });
  decoder.end();
  return output;
}
