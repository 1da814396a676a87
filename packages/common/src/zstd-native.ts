import { ZSTD_FRAME_MAX, ZSTD_LEVEL, type ZstdCodec, ZstdFormatError } from "./zstd-form.ts";

/** The node:zlib codec (Node >= 22.15 / 23.8): frames compressed off the event loop, decoded with one reused context. */

const EMPTY = Buffer.alloc(0);

export interface NodeZstd {
  zstdCompress(data: Uint8Array, options: object, callback: (err: Error | null, out: Buffer) => void): void;
  zstdDecompressSync(data: Uint8Array, options: object): { buffer: Buffer; engine: object };
  createZstdDecompress(options: object): unknown;
  constants: Record<string, number>;
}

/** The parts of node:zlib's zstd engine a reused decoder drives (the same ones its sync functions use). */
interface EngineInternals {
  _handle: {
    writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
    onerror: (message: string) => void;
  };
  /** After writeSync: [output bytes left free, input bytes left unread]. */
  _writeState: Uint32Array;
  close(): void;
}

/**
 * One decompression context and one output buffer for every frame of the process. node:zlib's sync
 * functions create a context per call and return the frame in a fresh buffer; a remote-warm build
 * decodes a frame per output (1,163 for std), so that was 168.6 MB of new buffers for V8 to collect
 * (remote/garbage.ts) and a context each. Node 24, std's frames decoded in a loop: 196-202 ms of CPU
 * per call, 124-126 ms reused. It drives the engine's handle the way node:zlib's own processChunkSync
 * does; a Node whose engine lacks those parts gets null, and decodeFrame then decodes per call.
 * Whatever it decodes is still checked for size here and hashed against its OutputID by the caller.
 */
class ReusedZstdDecoder {
  private readonly output = Buffer.allocUnsafe(ZSTD_FRAME_MAX + 1);
  /** Opened on first use and after a failure closed the last one. */
  private engine: EngineInternals | undefined;
  private failure: string | undefined;

  private constructor(private readonly open: () => EngineInternals) {}

  static create(open: () => unknown): ReusedZstdDecoder | null {
    try {
      const engine = open() as Partial<EngineInternals>;
      const usable = typeof engine._handle?.writeSync === "function" && engine._writeState instanceof Uint32Array;
      (engine as { close?: () => void }).close?.();
      return usable ? new ReusedZstdDecoder(open as () => EngineInternals) : null;
    } catch {
      return null;
    }
  }

  decode(frame: Uint8Array, contentSize: number): Buffer {
    const out = this.output;
    const engine = this.engine ?? this.fresh();
    const state = engine._writeState;
    let inOff = 0;
    let produced = 0;
    // One call decodes a whole frame when the output has room; more calls only while both sides move.
    for (;;) {
      const inLen = frame.byteLength - inOff;
      engine._handle.writeSync(0, frame, inOff, inLen, out, produced, out.length - produced);
      if (this.failure !== undefined) break;
      const read = inLen - state[1]!;
      const wrote = out.length - produced - state[0]!;
      inOff += read;
      produced += wrote;
      if (inOff === frame.byteLength || (read === 0 && wrote === 0) || produced === out.length) break;
    }
    if (this.failure !== undefined || inOff !== frame.byteLength || produced !== contentSize) {
      const why = this.failure ?? `decoded to ${produced} bytes, ${contentSize} declared`;
      // A context that failed, or stopped inside a frame, is not trusted with the next one.
      engine.close();
      this.engine = undefined;
      throw new ZstdFormatError(`zstd frame does not decode: ${why}`);
    }
    return out.subarray(0, produced);
  }

  private fresh(): EngineInternals {
    this.failure = undefined;
    const engine = this.open();
    this.engine = engine;
    // Reported synchronously from writeSync; node's own handler would destroy the stream and emit.
    engine._handle.onerror = (message) => {
      this.failure = message;
    };
    return engine;
  }
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

export function nativeCodec(z: NodeZstd): ZstdCodec {
  const level = z.constants.ZSTD_c_compressionLevel as number;
  const reused = ReusedZstdDecoder.create(() => z.createZstdDecompress({}));
  const perCall = (frame: Uint8Array, contentSize: number) => {
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
  };
  return {
    kind: "node:zlib",
    compressFrame: (raw) =>
      new Promise((resolve, reject) =>
        // pledgedSrcSize makes the frame header carry the content size. Async: off the event loop.
        z.zstdCompress(raw, { params: { [level]: ZSTD_LEVEL }, pledgedSrcSize: raw.byteLength }, (err, out) =>
          err ? reject(err) : resolve(out),
        ),
      ),
    decodeFrame: reused ? (frame, contentSize) => reused.decode(frame, contentSize) : perCall,
  };
}
