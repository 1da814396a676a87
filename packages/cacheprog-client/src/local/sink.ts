import type { Hash } from "node:crypto";
import { closeSync, openSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { nodeCrypto, tempPathFor } from "@gocacheprog/common";
import { type Hit, IntegrityError, type OutputSink } from "../tier.ts";

/** What the tier does once the bytes are verified: rename into place and write the action record. */
export interface SinkTarget {
  outputHex: string;
  size: number;
  putTime: Date;
  diskPath: string;
  commit(tempPath: string): void;
}

const HEAD_BYTES = 8;

/** node:crypto is looked up on first use (see @gocacheprog/common's nodeCrypto()): start-up never pays for it. */
export function newSha256(): Hash {
  return nodeCrypto().createHash("sha256");
}

export class FileSink implements OutputSink {
  written = 0;
  head = Buffer.alloc(0);
  private readonly tempPath: string;
  private fd: number | undefined;
  /** Absent when the caller already verified the bytes in memory (a put from go): no second hash. */
  private readonly hash: Hash | undefined;
  private state: "open" | "done" | "aborted" = "open";

  constructor(
    private readonly target: SinkTarget,
    open: (tempPath: string) => number,
    preverified = false,
  ) {
    this.hash = preverified ? undefined : newSha256();
    this.tempPath = tempPathFor(target.diskPath);
    this.fd = open(this.tempPath);
  }

  write(chunk: Uint8Array): void {
    if (this.state !== "open") throw new IntegrityError(`write to a ${this.state} output sink`);
    if (this.written + chunk.length > this.target.size) {
      this.abort();
      throw new IntegrityError(`output ${this.target.outputHex} is longer than its declared ${this.target.size} bytes; nothing stored`);
    }
    try {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(this.fd as number, chunk, offset, chunk.length - offset);
    } catch (err) {
      this.abort();
      throw err;
    }
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
    this.hash?.update(chunk);
    this.written += chunk.length;
  }

  finish(): Hit {
    if (this.state !== "open") throw new IntegrityError(`finish of a ${this.state} output sink`);
    const { outputHex, size, putTime, diskPath } = this.target;
    if (this.written !== size) {
      this.abort();
      throw new IntegrityError(`output ${outputHex} ended after ${this.written} of its declared ${size} bytes; nothing stored`);
    }
    const actual = this.hash?.digest("hex") ?? outputHex;
    if (actual !== outputHex) {
      this.abort();
      throw new IntegrityError(`body (${size} bytes) hashes to ${actual}, not to OutputID ${outputHex}; nothing stored`);
    }
    try {
      this.closeFile();
      this.target.commit(this.tempPath);
    } catch (err) {
      this.abort();
      throw err;
    }
    this.state = "done";
    return { hit: true, outputId: Buffer.from(outputHex, "hex"), size, diskPath, putTime, source: "local" };
  }

  abort(): void {
    if (this.state !== "open") return;
    this.state = "aborted";
    try {
      this.closeFile();
    } catch {
      // The descriptor is gone either way; the unlink below is what matters.
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      // Already renamed into place (commit failed on the record) or never created.
    }
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}

/** Opens a new temp file for writing (fails if it exists: temp names are unique per writer). */
export function openTemp(tempPath: string): number {
  return openSync(tempPath, "wx", 0o644);
}

/**
 * Replaces a file by a new one renamed over it: for another user's action record (a group sharing the
 * directory, or one written 0644 by an older client), which can't be rewritten in place but can be
 * replaced in a directory the group may write. The tier's error path only.
 */
export function replaceFile(path: string, data: Buffer): void {
  const temp = tempPathFor(path);
  try {
    writeFileSync(temp, data, { flag: "wx", mode: 0o666 });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
