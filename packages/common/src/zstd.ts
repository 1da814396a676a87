import zlib from "node:zlib";
import { ZSTD_FRAME_MAX, ZSTD_LEVEL, type ZstdCodec, ZstdFormatError } from "./zstd-form.ts";
import { type NodeZstd, nativeCodec } from "./zstd-native.ts";

/**
 * The compressed form of outputs, shared by client and server: a standard zstd stream (ZSTD_LEVEL) of
 * independent frames, each covering at most ZSTD_FRAME_MAX bytes of the output and declaring its content
 * size. A reader cuts the stream into frames without decoding them, checks the declared sizes against
 * the size it was promised before any work (a bomb stops there), and decodes one bounded frame at a time.
 *
 * Node >= 22.15 / 23.8 has zstd in node:zlib (the single-file client and the images run Node 24); older
 * Nodes (20.19+) load the same library compiled to WebAssembly (@bokuweb/zstd-wasm, no native addon).
 */

export * from "./zstd-form.ts";
export { decompressOutput, ZstdStreamDecoder } from "./zstd-stream.ts";

async function wasmCodec(): Promise<ZstdCodec> {
  const wasm = await import("@bokuweb/zstd-wasm");
  await wasm.init();
  return {
    kind: "wasm",
    compressFrame: async (raw) => {
      const out = wasm.compress(raw, ZSTD_LEVEL);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
    decodeFrame: (frame) => {
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
