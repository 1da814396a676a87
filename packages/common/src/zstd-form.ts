/**
 * Our compressed form's constants and the codec interface, shared by zstd.ts (loading, compressing),
 * zstd-native.ts (node:zlib) and zstd-stream.ts (cutting and decoding frames).
 */

export const ZSTD_FRAME_MAX = 1 << 20;
/**
 * Level 1, not zstd's default 3: on go's outputs it stores 0.26 of raw instead of 0.25 (std: 44.1 MB
 * instead of 42.5) for about half the CPU, and a cold build on a busy 2-core machine shares that CPU
 * with the compiler. Decoding costs the same at either level.
 */
export const ZSTD_LEVEL = 1;
/**
 * The most bytes our compressed form of an output of `outputSize` bytes may take. A client sends it
 * only when it saves at least a tenth (else the raw bytes go), and the server adds a 40-byte digest
 * trailer; anything longer is padding (skippable or empty frames), which would make a small output's
 * record or whole read as large as the body limit. Decoders and uploads refuse it.
 */
export function maxCompressedSize(outputSize: number): number {
  return outputSize + 64;
}

/** The Content-Encoding token of the stored form (RFC 8878). */
export const ZSTD_ENCODING = "zstd";

/** Bytes that are not our compressed form, or that decode to something other than what was declared. */
export class ZstdFormatError extends Error {
  override name = "ZstdFormatError";
}

export interface ZstdCodec {
  readonly kind: "node:zlib" | "wasm";
  /** One frame (with its content size) of at most ZSTD_FRAME_MAX bytes. */
  compressFrame(raw: Uint8Array): Promise<Buffer>;
  /**
   * One frame whose header declared `contentSize`, decoded into a buffer the codec may reuse: the
   * result is valid only until the next call, so a caller consumes it (hash, write) before that.
   */
  decodeFrame(frame: Uint8Array, contentSize: number): Buffer;
}
