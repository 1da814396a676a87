import { randomBytes } from "node:crypto";
import { rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

/**
 * Resolves once a file written now would get another change time than `path` has. The kernel
 * stamps file times from a clock that ticks every few ms, so a rewrite right after a write can keep
 * the same stamps; tests that rewrite a file and need it to look changed wait for the next tick.
 */
export async function afterTimestampTick(path: string): Promise<void> {
  const before = (await stat(path)).ctimeMs;
  const probe = join(tmpdir(), `gcp-tick-${randomBytes(6).toString("hex")}`);
  try {
    for (;;) {
      await writeFile(probe, "x");
      if ((await stat(probe)).ctimeMs > before) return;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    await rm(probe, { force: true });
  }
}
