import type { Hash } from "node:crypto";
import { close, mkdir, open, rename, unlink, write, writeFile } from "node:fs";
import { dirname } from "node:path";
import { tempPathFor } from "@gocacheprog/common";
import { type BackgroundSink, type Hit, IntegrityError, type OutputSink } from "../tier.ts";
import { newSha256 } from "./sink.ts";

/** Where a background sink's entry goes: its paths and the record it gets once verified. */
export interface BackgroundTarget {
  outputHex: string;
  size: number;
  putTime: Date;
  diskPath: string;
  actionPath: string;
  record: Buffer;
  /** The shard directories made so far (shared with the tier's synchronous writes). */
  madeShards: Set<string>;
}

const HEAD_BYTES = 8;

const done =
  <T>(resolve: (v: T) => void, reject: (e: Error) => void) =>
  (err: Error | null, value?: T) =>
    err ? reject(err) : resolve(value as T);
const fdOpen = (path: string) => new Promise<number>((res, rej) => open(path, "wx", 0o644, done(res, rej)));
const fdWrite = (fd: number, data: Uint8Array, at: number) =>
  new Promise<number>((res, rej) => write(fd, data, at, data.byteLength - at, null, done(res, rej)));
const fdClose = (fd: number) => new Promise<void>((res, rej) => close(fd, done(res, rej)));
const mv = (from: string, to: string) => new Promise<void>((res, rej) => rename(from, to, done(res, rej)));
const put = (path: string, data: Uint8Array) => new Promise<void>((res, rej) => writeFile(path, data, { mode: 0o644 }, done(res, rej)));
const mkdirs = (path: string) => new Promise<void>((res, rej) => mkdir(path, { recursive: true }, (err) => (err ? rej(err) : res())));

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * An OutputSink whose file work runs in node's thread pool (see BackgroundSink). Checks that need
 * only the bytes (length, sha256) stay synchronous, as in FileSink; the file calls are queued one
 * after another on `chain`, and several sinks' chains run side by side in the pool.
 */
export class FileBackgroundSink implements BackgroundSink {
  written = 0;
  queuedBytes = 0;
  head = Buffer.alloc(0);
  private readonly hash: Hash = newSha256();
  private readonly tempPath: string;
  private fd: number | undefined;
  private chain: Promise<void>;
  private failure: Error | undefined;
  private state: "open" | "finishing" | "done" | "aborted" = "open";
  private aborting: Promise<void> | undefined;

  constructor(private readonly target: BackgroundTarget) {
    this.tempPath = tempPathFor(target.diskPath);
    this.chain = this.inShard(this.tempPath, () => fdOpen(this.tempPath)).then((fd) => {
      this.fd = fd;
    });
    this.chain.catch((err: Error) => this.fail(err));
  }

  write(chunk: Uint8Array): void {
    if (this.state !== "open") throw new IntegrityError(`write to a ${this.state} output sink`);
    if (this.written + chunk.length > this.target.size) {
      void this.abort();
      throw new IntegrityError(`output ${this.target.outputHex} is longer than its declared ${this.target.size} bytes; nothing stored`);
    }
    if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    this.hash.update(chunk);
    this.written += chunk.length;
    this.queuedBytes += chunk.length;
    this.queue(async () => {
      try {
        let at = 0;
        while (at < chunk.byteLength) at += await fdWrite(this.fd as number, chunk, at);
      } finally {
        this.queuedBytes -= chunk.length;
      }
    });
  }

  drained(): Promise<void> {
    return this.chain.catch(() => {});
  }

  finish(): Promise<Hit> {
    if (this.state !== "open") return Promise.reject(new IntegrityError(`finish of a ${this.state} output sink`));
    const { outputHex, size, putTime, diskPath, actionPath, record } = this.target;
    const fail = async (message: string): Promise<Hit> => {
      await this.abort();
      throw new IntegrityError(message);
    };
    if (this.written !== size) return fail(`output ${outputHex} ended after ${this.written} of its declared ${size} bytes; nothing stored`);
    const actual = this.hash.digest("hex");
    if (actual !== outputHex) return fail(`body (${size} bytes) hashes to ${actual}, not to OutputID ${outputHex}; nothing stored`);
    this.state = "finishing";
    this.queue(async () => {
      await this.closeFile();
      // The output first: a record seen before its output exists is only a miss (get checks the size).
      await mv(this.tempPath, diskPath);
      await this.inShard(actionPath, () => put(actionPath, record));
    });
    return this.chain.then(
      () => {
        this.state = "done";
        return { hit: true, outputId: Buffer.from(outputHex, "hex"), size, diskPath, putTime, source: "local" } as Hit;
      },
      async (err: Error) => {
        await this.abort();
        throw err;
      },
    );
  }

  /** Settles once the temp file is gone (after whatever call was in flight: an open or a write). */
  abort(): Promise<void> {
    if (this.state === "done") return Promise.resolve();
    if (this.state !== "aborted") {
      this.state = "aborted";
      this.aborting = this.chain
        .catch(() => {})
        .then(() => this.closeFile())
        .catch(() => {})
        .then(() => new Promise<void>((res) => unlink(this.tempPath, () => res())));
    }
    return this.aborting ?? Promise.resolve();
  }

  private queue(step: () => Promise<void>): void {
    this.chain = this.chain.then(() => {
      if (this.failure) throw this.failure;
      return step();
    });
    this.chain.catch((err: Error) => this.fail(err));
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }

  private async closeFile(): Promise<void> {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    await fdClose(fd);
  }

  /** A file creation in `path`'s shard, creating the shard first (or again, if trimmed away meanwhile). */
  private async inShard<T>(path: string, create: () => Promise<T>): Promise<T> {
    const shard = dirname(path);
    if (!this.target.madeShards.has(shard)) {
      await mkdirs(shard);
      this.target.madeShards.add(shard);
    }
    try {
      return await create();
    } catch (err) {
      if (!isMissing(err)) throw err;
      await mkdirs(shard);
      return create();
    }
  }
}

/** A synchronous OutputSink behind the BackgroundSink interface: its work is done by the time finish() returns. */
export class SettledSink implements BackgroundSink {
  /** Its writes are in the file when write() returns. */
  readonly queuedBytes = 0;

  constructor(private readonly sink: OutputSink) {}

  get written(): number {
    return this.sink.written;
  }

  get head(): Buffer {
    return this.sink.head;
  }

  write(chunk: Uint8Array): void {
    this.sink.write(chunk);
  }

  finish(): Promise<Hit> {
    try {
      return Promise.resolve(this.sink.finish());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  abort(): Promise<void> {
    this.sink.abort();
    return Promise.resolve();
  }
}
