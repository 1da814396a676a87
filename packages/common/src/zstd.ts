import zlib from "node:zlib";

/**
 * The compressed form of outputs, shared by client and server: a standard zstd stream (ZSTD_LEVEL) of
 * independent frames, each covering at most ZSTD_FRAME_MAX bytes of the output and declaring its content
 * size. A reader cuts the stream into frames without decoding them, checks the declared sizes against
 * the size it was promised before any work (a bomb stops there), and decodes one bounded frame at a time.
 *
 * Node >= 22.15 / 23.8 has zstd in node:zlib (the single-file client and the images run Node 24); older
 * Nodes (20.19+) load the same library compiled to WebAssembly (@bokuweb/zstd-wasm, no native addon).
 */

export const ZSTD_FRAME_MAX = 1 << 20;
/**
 * Level 1, not zstd's default 3: on go's outputs it stores 0.26 of raw instead of 0.25 (std: 44.1 MB
 * instead of 42.5) for about half the CPU, and a cold build on a busy 2-core machine shares that CPU
 * with the compiler. Decoding costs the same at either level.
 */
export const ZSTD_LEVEL = 1;
/** The Content-Encoding token of the stored form (RFC 8878). */
export const ZSTD_ENCODING = "zstd";

/** The largest frame we accept: a frame of incompressible data is its content plus block headers. */
const FRAME_BYTES_MAX = ZSTD_FRAME_MAX + (ZSTD_FRAME_MAX >> 7) + 64;
const BLOCK_MAX = 128 * 1024;
const MAGIC = 0xfd2fb528;
/** Skippable frames (0x184D2A50-5F) carry data decoders pass over; we accept small ones only. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MAX = 1024;

const EMPTY = Buffer.alloc(0);

/** Bytes that are not our compressed form, or that decode to something other than what was declared. */
export class ZstdFormatError extends Error {
  override name = "ZstdFormatError";
}

export interface ZstdCodec {
  readonly kind: "node:zlib" | "wasm";
  /** One frame (with its content size) of at most ZSTD_FRAME_MAX bytes. */
  compressFrame(raw: Uint8Array): Promise<Buffer>;
  /** One frame whose header declared `contentSize`; never allocates more than that. */
  decompressFrame(frame: Uint8Array, contentSize: number): Buffer;
}

interface NodeZstd {
  zstdCompress(data: Uint8Array, options: object, callback: (err: Error | null, out: Buffer) => void): void;
  zstdDecompressSync(data: Uint8Array, options: object): { buffer: Buffer; engine: object };
  constants: Record<string, number>;
}

/**
 * A sync node:zlib engine keeps `_outBuffer` (the result is a view of it) and outlives young-generation
 * collections, so every decoded frame lived until a full one; dropping the reference lets it die young
 * (remote/garbage.ts). Node 24, 300 frames of 1 MiB, a young collection every 8 MiB: peak ArrayBuffers
 * 71 -> 8.5 MB, RSS 121 -> 59 MB. A Node without the field keeps its own behaviour.
 */
function releaseOutput(engine: object): void {
  if ("_outBuffer" in engine) (engine as { _outBuffer: Buffer })._outBuffer = EMPTY;
}

function nativeCodec(z: NodeZstd): ZstdCodec {
  const level = z.constants.ZSTD_c_compressionLevel as number;
  return {
    kind: "node:zlib",
    compressFrame: (raw) =>
      new Promise((resolve, reject) =>
        // pledgedSrcSize makes the frame header carry the content size. Async: off the event loop.
        z.zstdCompress(raw, { params: { [level]: ZSTD_LEVEL }, pledgedSrcSize: raw.byteLength }, (err, out) =>
          err ? reject(err) : resolve(out),
        ),
      ),
    decompressFrame: (frame, contentSize) => {
      try {
        // A chunk of the frame's size (16 KiB chunks decode ~3x slower), plus one byte: a chunk filled
        // to the last byte makes node:zlib allocate a second, unused one to ask the decoder for more.
        const { buffer, engine } = z.zstdDecompressSync(frame, {
          maxOutputLength: Math.max(contentSize, 1),
          chunkSize: Math.max(contentSize + 1, 64),
          info: true,
        });
        releaseOutput(engine);
        return buffer;
      } catch (err) {
        throw new ZstdFormatError(`zstd frame does not decode: ${(err as Error).message}`);
      }
    },
  };
}

async function wasmCodec(): Promise<ZstdCodec> {
  const wasm = await import("@bokuweb/zstd-wasm");
  await wasm.init();
  return {
    kind: "wasm",
    compressFrame: async (raw) => {
      const out = wasm.compress(raw, ZSTD_LEVEL);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
    decompressFrame: (frame) => {
      let out: Uint8Array;
      try {
        // It allocates the frame's declared content size, which FrameCutter has already bounded.
        out = wasm.decompress(frame);
      } catch (err) {
        throw new ZstdFormatError(`zstd frame does not decode: ${(err as Error).message}`);
      }
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}

let loading: Promise<ZstdCodec> | undefined;
let loaded: ZstdCodec | undefined;

/** The codec of this runtime (node:zlib when it has zstd, else wasm), loaded once. */
export function loadZstd(): Promise<ZstdCodec> {
  loading ??= (async () => {
    const z = zlib as unknown as Partial<NodeZstd>;
    loaded =
      typeof z.zstdCompress === "function" && typeof z.zstdDecompressSync === "function" ? nativeCodec(z as NodeZstd) : await wasmCodec();
    return loaded;
  })();
  return loading;
}

/** The codec once loadZstd() has resolved (synchronous decoders need it in hand). */
export function zstdLoaded(): ZstdCodec {
  if (!loaded) throw new Error("loadZstd() has not finished");
  return loaded;
}

/** Compresses a whole output into our stored form (frames of ZSTD_FRAME_MAX bytes). */
export async function compressOutput(codec: ZstdCodec, raw: Uint8Array): Promise<Buffer> {
  const frames: Buffer[] = [];
  for (let at = 0; at < raw.byteLength; at += ZSTD_FRAME_MAX) {
    if (at > 0) await betweenFrames(codec);
    frames.push(await codec.compressFrame(raw.subarray(at, at + ZSTD_FRAME_MAX)));
  }
  return Buffer.concat(frames);
}

/**
 * The wasm codec compresses on the event loop: between two frames it lets pending I/O run (go's
 * requests, in the client), so a large output holds the thread for one frame at a time, not all of it.
 */
export function betweenFrames(codec: ZstdCodec): Promise<void> | undefined {
  return codec.kind === "wasm" ? new Promise((resolve) => setImmediate(resolve)) : undefined;
}

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
 * exactly its declared size. Small skippable frames (the server's digest trailer) are passed over.
 * end() throws unless the whole output arrived.
 */
export class ZstdStreamDecoder {
  private buf = Buffer.alloc(0);
  private len = 0;
  private scan: FrameScan = { cursor: -1, contentSize: 0, checksum: false };
  private produced = 0;

  constructor(
    private readonly codec: ZstdCodec,
    private readonly declaredSize: number,
  ) {}

  /** The decoded bytes of every frame this chunk completes. Throws ZstdFormatError. */
  push(chunk: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    let input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Whole frames inside the chunk itself are decoded in place, without copying them.
    while (this.len === 0 && input.length > 0) {
      const end = scanFrame(input, input.length, this.scan);
      if (end === 0) break;
      const raw = this.decode(input.subarray(0, end));
      if (raw.length > 0) out.push(raw);
      input = input.subarray(end);
    }
    if (input.length === 0) return out;
    this.append(input);
    for (;;) {
      const end = scanFrame(this.buf, this.len, this.scan);
      if (end === 0) return out;
      const raw = this.decode(this.buf.subarray(0, end));
      if (raw.length > 0) out.push(raw);
      this.buf.copyWithin(0, end, this.len);
      this.len -= end;
    }
  }

  end(): void {
    if (this.len > 0) throw new ZstdFormatError("zstd stream ends inside a frame");
    if (this.produced !== this.declaredSize)
      throw new ZstdFormatError(`zstd stream holds ${this.produced} bytes, ${this.declaredSize} declared`);
  }

  private decode(frame: Buffer): Buffer {
    const { contentSize, skippable } = this.scan;
    this.scan = { cursor: -1, contentSize: 0, checksum: false };
    if (skippable) return EMPTY;
    if (this.produced + contentSize > this.declaredSize)
      throw new ZstdFormatError(`zstd stream holds more than the ${this.declaredSize} bytes declared`);
    const raw = this.codec.decompressFrame(frame, contentSize);
    if (raw.length !== contentSize) throw new ZstdFormatError(`zstd frame decoded to ${raw.length} bytes, ${contentSize} declared`);
    this.produced += contentSize;
    return raw;
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

/** Decodes a whole compressed output held in memory (inline records, small blobs). */
export function decompressOutput(codec: ZstdCodec, stored: Uint8Array, size: number): Buffer {
  const decoder = new ZstdStreamDecoder(codec, size);
  const parts = decoder.push(stored);
  decoder.end();
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}
