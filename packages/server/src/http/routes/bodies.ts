import { headers, isHexId, PROTOBUF_CONTENT_TYPE } from "@gocacheprog/common";
import { countField } from "@gocacheprog/common/proto";
import { ZSTD_ENCODING } from "@gocacheprog/common/zstd";
import type { Context } from "hono";
import type { OutputBody } from "../../cache/outputs.ts";
import type { ServerMetrics } from "../../ops/metrics.ts";
import { giveBackReadBuffer } from "../../storage/blob/read-buffers.ts";
import { HttpError } from "../errors.ts";
import type { AppEnv } from "../types.ts";

const EMPTY = new Uint8Array(0);

/** The `:id` path parameter as a 64-hex ID, or 400. */
export function idParam(c: Context<AppEnv>, what: string): string {
  const value = c.req.param("id") ?? "";
  if (!isHexId(value)) throw new HttpError(400, `${what} must be 64 lowercase hex characters (32 bytes)`);
  return value;
}

/** Whether the request's Accept-Encoding lists zstd (and not with q=0): then outputs may come compressed. */
export function acceptsZstd(c: Context<AppEnv>): boolean {
  return (c.req.header("accept-encoding") ?? "").split(",").some((item) => {
    const [token, ...params] = item.split(";").map((part) => part.trim().toLowerCase());
    return token === ZSTD_ENCODING && !params.some((param) => /^q=0(\.0*)?$/.test(param));
  });
}

/**
 * hono routes HEAD to GET handlers; a HEAD answer keeps the headers and drops the body. With
 * zstdSize, `body` is the stored compressed form: Content-Encoding says so, Content-Length is its
 * length and the output's own size goes in its header (the client's bound while decoding).
 */
export function sendOutput(
  c: Context<AppEnv>,
  metrics: ServerMetrics,
  body: OutputBody | undefined,
  size: number,
  extra: Record<string, string>,
  zstdSize?: number,
): Response {
  const head: Record<string, string> = { ...extra, "content-length": String(size), "content-type": "application/octet-stream" };
  head.vary = "accept-encoding";
  if (zstdSize !== undefined) {
    Object.assign(head, { "content-length": String(zstdSize), "content-encoding": ZSTD_ENCODING, [headers.outputSize]: String(size) });
  }
  if (c.req.method === "HEAD" || body === undefined) return c.body(null, 200, head);
  if (Buffer.isBuffer(body)) {
    metrics.bytesOut.inc(body.byteLength);
    // A read buffer is reused once the socket has every byte; a response cut short leaves it to the GC.
    c.env?.outgoing?.once("finish", () => giveBackReadBuffer(body));
    return c.body(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>, 200, head);
  }
  // The blob was opened before this response existed: a client gone meanwhile never pulls the stream,
  // so nothing else would close the S3 socket or file it holds. A body read to its end is closed already.
  const outgoing = c.env?.outgoing;
  const close = () => body.destroy?.();
  if (outgoing?.destroyed) close();
  else outgoing?.once("close", close);
  return c.body(ReadableStream.from(counted(body, metrics.bytesOut)) as ReadableStream<Uint8Array>, 200, head);
}

/** The request body (an empty one when there is none), counted into gocacheprog_bytes_in_total. */
export function requestBody(c: Context<AppEnv>, metrics: ServerMetrics): AsyncIterable<Uint8Array> {
  // Under @hono/node-server, Node's request stream itself: c.req.raw.body would build a whole fetch
  // Request and a web stream over the same bytes, per upload (about 3% of the server's profile
  // over a cold build). Leaving early destroys either, so a refused body ends the same way.
  const incoming = c.env?.incoming;
  if (incoming) return counted(incoming, metrics.bytesIn);
  const stream = c.req.raw.body as (ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>) | null;
  return counted(stream ?? [EMPTY], metrics.bytesIn);
}

async function* counted(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  counter: { inc(n: number): void },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    counter.inc(chunk.byteLength);
    yield chunk;
  }
}

/** A protobuf message, or 400 naming what it is not. */
export function decodeProtobuf<T>(type: { decode(bytes: Uint8Array): T }, bytes: Uint8Array, name: string): T {
  try {
    return type.decode(bytes);
  } catch (err) {
    throw new HttpError(400, `not a ${name}: ${(err as Error).message}`);
  }
}

/**
 * Refuses a protobuf body whose repeated field `field` has more than `max` entries, counted from its
 * bytes before it is decoded: decoding first would build an object per entry (two bytes each on the
 * wire) only to refuse them. Bytes that are not a message are left to decodeProtobuf's 400.
 */
export function refuseAbove(bytes: Uint8Array, field: number, max: number, refusal: () => HttpError): void {
  let count = 0;
  try {
    count = countField(bytes, field, max);
  } catch {
    return;
  }
  if (count > max) throw refusal();
}

/**
 * A protobuf request body read whole, refused with 413 as soon as it passes `limit` (declared or
 * actually sent), so what a peer sends never grows the server past it.
 */
export async function protobufBody(c: Context<AppEnv>, limit: number, metrics?: ServerMetrics): Promise<Uint8Array> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith(PROTOBUF_CONTENT_TYPE)) throw new HttpError(415, `content-type must be ${PROTOBUF_CONTENT_TYPE}`);
  const tooLarge = () => new HttpError(413, `request body exceeds ${limit} bytes`);
  if (Number(c.req.header("content-length") ?? 0) > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const body = metrics ? requestBody(c, metrics) : ((c.req.raw.body ?? []) as AsyncIterable<Uint8Array>);
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
