import {
  close as closeCallback,
  closeSync,
  open as fsOpen,
  mkdirSync,
  openSync,
  rename as renameCallback,
  renameSync,
  write as writeCallback,
  writeSync,
  writev as writevCallback,
  writevSync,
} from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { tempPathFor } from "@gocacheprog/common";
import { type BlobExpect, bodyCheckFor } from "./verify.ts";

/**
 * A body of at most SMALL_BLOB bytes (nine blobs in ten: record copies and most compressed
 * outputs) is gathered and written with synchronous calls; a larger one goes through the thread
 * pool with the callback forms of open/writev/close/rename (fs/promises costs about twice the CPU
 * per call). On this machine kind every hand-off to the pool wakes another thread, which made a
 * small file's open/write/close/rename cost 170-250 us of CPU against 31-42 us synchronously
 * (1000 files, 3 rounds each), CPU a cold build's compiler goes without; blocking the event loop
 * for tens of microseconds costs less than the hand-offs it saves.
 */
export async function writeBlobFile(target: string, body: AsyncIterable<Uint8Array>, expect: BlobExpect): Promise<void> {
  const temp = tempPathFor(target);
  /** Opened once the body outgrows SMALL_BLOB; until then it is gathered. */
  let fd: number | undefined;
  let fdOpen = false;
  let renamed = false;
  try {
    const verifier = bodyCheckFor(expect);
    // Gathered into one writev per WRITE_BATCH(_CHUNKS): most outputs arrive in one chunk (a compressed one
    // then gets its digest trailer), so that is one write per blob. Producers never reuse a chunk
    // they yielded (the S3 store holds them for its parts too).
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    for await (const chunk of body) {
      verifier.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      const small = fd === undefined && pendingBytes <= SMALL_BLOB && pending.length < WRITE_BATCH_CHUNKS;
      if (!small && (fd === undefined || pendingBytes >= WRITE_BATCH || pending.length >= WRITE_BATCH_CHUNKS)) {
        if (fd === undefined) {
          fd = await createTemp(temp);
          fdOpen = true;
        }
        await writeAll(fd, pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
    verifier.finish();
    if (fd === undefined) {
      writeSmall(temp, target, pending, pendingBytes);
      renamed = true;
      return;
    }
    if (pendingBytes > 0) await writeAll(fd, pending, pendingBytes);
    fdOpen = false;
    await call<void>((done) => closeCallback(fd as number, done));
    await call<void>((done) => renameCallback(temp, target, done));
    renamed = true;
  } finally {
    if (!renamed) {
      if (fdOpen) await call<void>((done) => closeCallback(fd as number, done)).catch(() => {});
      await rm(temp, { force: true });
    }
  }
}

/** A put of at most this many bytes is written with synchronous calls (see writeBlobFile). */
export const SMALL_BLOB = 64 << 10;

/** Bytes gathered before a put writes them (bounds the memory one upload holds). */
const WRITE_BATCH = 1 << 20;
/** And chunks: a body trickled in tiny pieces must not pile up a million Buffer objects before a write. */
const WRITE_BATCH_CHUNKS = 64;

function call<T>(start: (done: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((err, value) => (err ? reject(err) : resolve(value as T))));
}

/**
 * A new temp file next to its target. The directory is made only when the open finds it missing:
 * a put into an existing shard costs no mkdir (a recursive mkdir is two syscalls even when it exists).
 */
async function createTemp(temp: string): Promise<number> {
  const create = () => call<number>((done) => fsOpen(temp, "wx", done));
  try {
    return await create();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    await mkdir(dirname(temp), { recursive: true });
    return create();
  }
}

/** A small blob's temp file written, closed and renamed into place in one go (the caller removes it on failure). */
function writeSmall(temp: string, target: string, chunks: Uint8Array[], bytes: number): void {
  let fd: number;
  try {
    fd = openSync(temp, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    mkdirSync(dirname(temp), { recursive: true });
    fd = openSync(temp, "wx");
  }
  try {
    let written = chunks.length === 0 ? 0 : writevSync(fd, chunks);
    if (written < bytes) {
      // As in writeAll: writing the rest surfaces the reason (ENOSPC).
      const all = Buffer.concat(chunks, bytes);
      while (written < bytes) {
        const more = writeSync(fd, all, written, bytes - written);
        if (more === 0) throw new Error(`short write: ${written} of ${bytes} bytes`);
        written += more;
      }
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}

async function writeAll(fd: number, chunks: Uint8Array[], bytes: number): Promise<void> {
  let written = await call<number>((done) => writevCallback(fd, chunks, done));
  // libuv repeats a short writev until it fails, and then reports the bytes written, not the error:
  // writing the rest surfaces the reason (ENOSPC on a full disk, which the caller answers with 507).
  if (written === bytes) return;
  const all = Buffer.concat(chunks, bytes);
  while (written < bytes) {
    const more = await call<number>((done) => writeCallback(fd, all, written, bytes - written, null, done));
    if (more === 0) throw new Error(`short write: ${written} of ${bytes} bytes`);
    written += more;
  }
}
