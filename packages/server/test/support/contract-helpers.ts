import { randomBytes } from "node:crypto";

/** A fresh namespace per test, so tests sharing one bucket or Redis never see each other's keys. */
export function freshNamespace(): string {
  return `t-${randomBytes(6).toString("hex")}`;
}

export function randomHexId(): string {
  return randomBytes(32).toString("hex");
}

/** Streams `bytes` in chunks of `chunkSize`, like a request body arriving over the network. */
export async function* chunked(bytes: Uint8Array, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}

/** Yields `bytes`, then fails like a client that dropped its connection. */
export async function* failingAfter(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
  throw new Error("client went away");
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
