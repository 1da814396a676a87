import { closeSync, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import type { Readable } from "node:stream";
import { LocalStoreError, locally } from "./exchange.ts";

/**
 * What an upload reads from the local tier's file. The reads are synchronous: the file was just
 * written (page cache), and a read through node's thread pool (open, read, close: three hand-offs and
 * promises) cost more CPU than the read itself.
 */

/**
 * Fills `into` from `position` of the file; false when the file ends first (it is not the output any
 * more). Opened per call: no descriptor stays open across the awaits between frames.
 */
export function readAt(path: string, into: Buffer, position: number): boolean {
  const fd = openSync(path, "r");
  try {
    for (let got = 0; got < into.length; ) {
      const read = readSync(fd, into, got, into.length - got, position + got);
      if (read === 0) return false;
      got += read;
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Outputs up to this size are read whole for a raw upload (one write); larger ones stream from the file. */
const RAW_READ_WHOLE_BYTES = 256 * 1024;

/**
 * A raw upload's body: none when empty, the bytes when small, else a stream of the file's first `size`
 * bytes. A file gone or shorter than `size` (trimmed from the tier meanwhile) is a LocalStoreError
 * before anything is sent: a body that ends early would hang the PUT until its deadline.
 */
export function rawBody(diskPath: string, size: number): Readable | Uint8Array[] | undefined {
  if (size === 0) return undefined;
  if (size <= RAW_READ_WHOLE_BYTES) return [readWhole(diskPath, size)];
  const fd = locally(() => openSync(diskPath, "r"));
  if (locally(() => fstatSync(fd).size) < size) {
    closeSync(fd);
    throw shorter(diskPath, size);
  }
  return createReadStream("", { fd, start: 0, end: size - 1 });
}

/** The output's first `size` bytes, read whole; a file gone or shorter (trimmed meanwhile) is a LocalStoreError. */
export function readWhole(diskPath: string, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  if (size > 0 && !locally(() => readAt(diskPath, bytes, 0))) throw shorter(diskPath, size);
  return bytes;
}

function shorter(diskPath: string, size: number): LocalStoreError {
  return new LocalStoreError(`${diskPath} is shorter than its ${size} bytes`, true);
}
