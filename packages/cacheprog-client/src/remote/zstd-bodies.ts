import type { IncomingHttpHeaders } from "node:http";
import { headers as h } from "@gocacheprog/common";
import {
  betweenFrames,
  loadZstd,
  ZSTD_ENCODING,
  ZSTD_FRAME_MAX,
  type ZstdCodec,
  ZstdFormatError,
  ZstdStreamDecoder,
} from "@gocacheprog/common/zstd";
import { IntegrityError } from "../tier.ts";
import { RemoteError } from "./exchange.ts";
import { readAt } from "./upload-bodies.ts";

/**
 * The client's side of compression (the form itself: @gocacheprog/common/zstd). Uploads go in our
 * zstd form when it pays, lookups ask for it, and a compressed reply is decoded here as it streams,
 * bounded by the output size the server declares, into the local tier's sink, which hashes the
 * decoded bytes against the OutputID as for any reply.
 */

export { ZSTD_ENCODING };

/** Smaller outputs go up as they are: frame and block headers would eat most of the saving. */
export const COMPRESS_MIN_BYTES = 512;
/** Larger ones go up raw, streamed from disk: their compressed form is held in memory until sent. */
export const COMPRESS_MAX_BYTES = 64 * 1024 * 1024;
/** The compressed form must save at least this share, else the output goes (and is stored) raw. */
const MIN_SAVING = 0.1;

export type UploadOutcome = "stored" | "linked" | "forbidden";
/** What an upload did, how many body bytes it sent (fewer than the output's when it went compressed), in how many requests. */
export type UploadResult = { outcome: UploadOutcome; wireBytes: number; requests: number };

/** An upload's result from its PUT's answer; "missing" after a full body is the server refusing it. */
export function stored(outcome: "stored" | "missing" | "forbidden", wireBytes: number, requests: number): UploadResult {
  if (outcome === "missing") throw new RemoteError("PUT action: server refused the body as unknown output");
  return { outcome, wireBytes, requests };
}

let codec: Promise<ZstdCodec | null> | undefined;
let enabled = true;

/**
 * --compression off (useCompression(false)) makes codecOrNull() answer null, the same state as a codec that cannot load,
 * so every path that compresses or asks for compressed bytes turns off at the one gate. Set once,
 * before the first request (open.ts); one client process serves one go command with one setting.
 */
export function useCompression(on: boolean): void {
  enabled = on;
}

/**
 * The codec, loaded once (wasm on Nodes without zstd in node:zlib); null when it cannot load or
 * compression is off, and then this client neither asks for nor sends compressed bodies:
 * compression is never a failure.
 */
export function codecOrNull(): Promise<ZstdCodec | null> {
  if (!enabled) return Promise.resolve(null);
  codec ??= loadZstd().catch(() => null);
  return codec;
}

/**
 * The output in our zstd form for an upload (its frames, in order), or null when it should go raw
 * (size, or too little saved). It reads the file one frame at a time, so an upload holds its
 * compressed bytes (about a quarter of the output) and one frame of raw bytes, never the whole output
 * (read with readAt, upload-bodies.ts).
 */
export async function packForUpload(diskPath: string, size: number): Promise<Buffer[] | null> {
  if (size < COMPRESS_MIN_BYTES || size > COMPRESS_MAX_BYTES) return null;
  const zstd = await codecOrNull();
  if (!zstd) return null;
  const raw = Buffer.allocUnsafe(Math.min(size, ZSTD_FRAME_MAX));
  const frames: Buffer[] = [];
  let packed = 0;
  for (let at = 0; at < size; at += ZSTD_FRAME_MAX) {
    if (at > 0) await betweenFrames(zstd);
    const want = Math.min(ZSTD_FRAME_MAX, size - at);
    if (!readAt(diskPath, raw.subarray(0, want), at)) return null;
    const frame = await zstd.compressFrame(raw.subarray(0, want));
    packed += frame.length;
    // Every prefix must save enough: an incompressible output goes raw after one frame, not after all of them.
    if (packed > (at + want) * (1 - MIN_SAVING)) return null;
    frames.push(frame);
  }
  return frames;
}

/**
 * Decodes a compressed reply chunk by chunk (never more than `size` bytes, one frame in memory);
 * bytes that are not our form, or decode to another size, throw IntegrityError: a corrupt reply.
 */
export class ReplyDecoder {
  private readonly decoder: ZstdStreamDecoder;

  constructor(codec: ZstdCodec, size: number) {
    this.decoder = new ZstdStreamDecoder(codec, size);
  }

  /** Hands `onFrame` each frame the chunk completes, decoded; it must consume it before returning (the codec reuses it). */
  push(chunk: Uint8Array, onFrame: (decoded: Buffer) => void): void {
    corrupt(() => this.decoder.push(chunk, onFrame));
  }

  /** The next output of a stream, decoded with the same buffers. */
  restart(size: number): void {
    this.decoder.restart(size);
  }

  end(): void {
    corrupt(() => this.decoder.end());
  }
}

/**
 * Decoders of replies that finished, for the next ones: a decoder's buffer grows (64 KiB, 128, 256...)
 * to hold a frame that spans socket chunks, and a new one per reply was that much new memory each
 * time. Remote-warm `go build std` without a manifest (one reply per output), 5 interleaved runs each:
 * client peak RSS 72.7-73.6 -> 69.7-70.7 MB; build times within the noise. go asks a few at a time.
 */
const idleDecoders: ReplyDecoder[] = [];
const IDLE_DECODERS_MAX = 8;

/** For a compressed reply, its decoder (into the announced size); null for a reply that is the output itself. */
export function replyDecoder(headers: IncomingHttpHeaders, size: number, zstd: ZstdCodec | null): ReplyDecoder | null {
  const encoding = headers["content-encoding"];
  if (encoding === undefined || encoding === "identity") return null;
  if (encoding !== ZSTD_ENCODING || !zstd || headers[h.outputSize] === undefined)
    throw new RemoteError(`GET action: a reply in encoding ${encoding} this client did not ask for`);
  const idle = idleDecoders.pop();
  if (!idle) return new ReplyDecoder(zstd, size);
  idle.restart(size);
  return idle;
}

/** A reply's decoder after its end() passed, kept for the next reply (one that failed is dropped). */
export function recycleDecoder(decoder: ReplyDecoder): void {
  if (idleDecoders.length < IDLE_DECODERS_MAX) idleDecoders.push(decoder);
}

function corrupt<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ZstdFormatError) throw new IntegrityError(`compressed reply: ${err.message}`);
    throw err;
  }
}
