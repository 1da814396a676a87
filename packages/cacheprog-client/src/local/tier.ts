import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { dirname, sep } from "node:path";
import type { Logger } from "../ops/log.ts";
import {
  type Hit,
  IntegrityError,
  isGoPutTime,
  type LocalTier,
  MISS,
  type Miss,
  type OutputSink,
  type PutBody,
  type PutOptions,
  type PutResult,
} from "../tier.ts";
import type { TrimPolicy } from "./evict.ts";
import { ACTION_SUFFIX, OUTPUT_SUFFIX, trimDue } from "./layout.ts";
import { FileSink, newSha256, openTemp, replaceFile } from "./sink.ts";

/** Like GOCACHE's markUsed: refreshing mtime on every hit would cost a syscall per hit for nothing. */
export const MARK_USED_AFTER_MS = 3600_000;

export interface DiskTierOptions {
  /** Absolute directory; created on first put. */
  dir: string;
  trim?: TrimPolicy;
  log?: Logger;
  now?: () => number;
}

interface ActionRecord {
  outputHex: string;
  size: number;
  putTimeMs: number;
}

const RECORD = /^v1 ([0-9a-f]{64}) (\d+) (\d+)\n$/;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * Local tier, laid out like GOCACHE: `<dir>/<2 hex>/<outputHex>-d` holds output bytes and
 * `<dir>/<2 hex>/<actionHex>-a` maps an action to its output. Outputs are written under a unique
 * temp name and renamed into place (an OutputSink), so concurrent go processes sharing the
 * directory only ever see whole files, and a file go may have mmapped is replaced, never rewritten.
 */
export class DiskTier implements LocalTier {
  readonly dir: string;
  private readonly now: () => number;
  /** `dir` as given, with a trailing separator. */
  private readonly root: string;
  private readonly madeShards = new Set<string>();
  /** Records are ~100 bytes; anything longer fails the RECORD pattern anyway. */
  private readonly recordBuffer = Buffer.alloc(256);

  constructor(private readonly options: DiskTierOptions) {
    this.dir = options.dir;
    // As given, not normalised: go moves a DiskPath that is not under GOCACHE as it spells it (paths.ts).
    this.root = options.dir.endsWith(sep) ? options.dir : options.dir + sep;
    this.now = options.now ?? Date.now;
  }

  // Concatenated, not path.join'ed: join normalises the whole path again on every call, which was
  // ~3% of a local-warm session's CPU profile (two paths per hit), and these parts need none.
  outputPath(outputHex: string): string {
    return `${this.root}${outputHex.slice(0, 2)}${sep}${outputHex}${OUTPUT_SUFFIX}`;
  }

  actionPath(actionHex: string): string {
    return `${this.root}${actionHex.slice(0, 2)}${sep}${actionHex}${ACTION_SUFFIX}`;
  }

  async get(actionId: Buffer): Promise<Hit | Miss> {
    return this.lookup(actionId);
  }

  /** Every local get is synchronous already (see lookup): the protocol loop's fast path. */
  getNow(actionId: Buffer): Hit | Miss {
    return this.lookup(actionId);
  }

  /**
   * A hit costs open, fstat, read, close of the record and one stat of the output, all synchronous:
   * on a local disk each is a few microseconds, where the same calls through node's thread pool
   * cost a round trip each (measured: 620 -> 260 ms of client CPU for a local-warm `go build std`).
   */
  lookup(actionId: Buffer): Hit | Miss {
    const actionFile = this.actionPath(actionId.toString("hex"));
    let fd: number;
    try {
      fd = openSync(actionFile, "r");
    } catch (err) {
      if (isMissing(err)) return MISS;
      throw err;
    }
    let actionMtimeMs: number;
    let length: number;
    try {
      actionMtimeMs = fstatSync(fd).mtimeMs;
      length = readSync(fd, this.recordBuffer, 0, this.recordBuffer.length, 0);
    } finally {
      closeSync(fd);
    }
    const record = parseRecord(this.recordBuffer.toString("latin1", 0, length));
    if (!record) {
      this.options.log?.debug(`ignoring unreadable action record ${actionFile}`);
      return MISS;
    }
    const diskPath = this.outputPath(record.outputHex);
    let output: Stats | undefined;
    try {
      output = statSync(diskPath, { throwIfNoEntry: false });
    } catch (err) {
      if (isMissing(err)) return MISS;
      throw err;
    }
    if (!output) return MISS;
    // go stats the file and treats any other size as incomplete, so answering would only waste a round trip.
    if (!output.isFile() || output.size !== record.size) return MISS;
    this.markUsed(actionFile, actionMtimeMs);
    // Gone since the stat: a trim in another process took it (evict.ts renames aside first).
    if (!this.markUsed(diskPath, output.mtimeMs)) return MISS;
    return {
      hit: true,
      outputId: Buffer.from(record.outputHex, "hex"),
      size: record.size,
      diskPath,
      putTime: new Date(record.putTimeMs),
      source: "local",
    };
  }

  async put(actionId: Buffer, outputId: Buffer, body: PutBody, options?: PutOptions): Promise<PutResult> {
    return this.putNow(actionId, outputId, body, options);
  }

  /** Every local put is synchronous too: verify, write under a temp name, rename, record. */
  putNow(actionId: Buffer, outputId: Buffer, body: PutBody, options?: PutOptions): PutResult {
    // A spooled body is this tier's own sink, opened by ingest() for this very put: it only needs finishing.
    if (!(body instanceof Uint8Array)) return { diskPath: body.finish().diskPath };
    const outputHex = outputId.toString("hex");
    // Verified before anything touches the disk: a bad put leaves nothing, not even a directory.
    const actual = newSha256().update(body).digest("hex");
    if (actual !== outputHex) {
      throw new IntegrityError(`body (${body.length} bytes) hashes to ${actual}, not to OutputID ${outputHex}; nothing stored`);
    }
    const putTime = options?.putTime ?? new Date(this.now());
    const diskPath = this.outputPath(outputHex);
    const existing = statSync(diskPath, { throwIfNoEntry: false });
    // The bytes are already here (another action, another process): only record the action. Compared,
    // as go's own cache hashes such a file, since a crash can leave one of the right size but zeroed
    // (nothing is fsynced) and it would be trusted for good.
    if (existing?.isFile() && existing.size === body.length && sameBytes(diskPath, body) && this.markUsed(diskPath, existing.mtimeMs)) {
      this.writeRecord(this.actionPath(actionId.toString("hex")), recordFor(outputHex, body.length, putTime));
      return { diskPath };
    }
    const sink = this.openSink(actionId, outputHex, body.length, putTime, true);
    sink.write(body);
    return { diskPath: sink.finish().diskPath };
  }

  /**
   * Opens a sink for an output arriving in pieces (remote reply, prefetch stream, decompressor). The
   * entry appears only when the sink finishes with exactly `size` bytes hashing to `outputId`;
   * the action record then carries `putTime` (go's test-cache expiry compares against it).
   */
  ingest(actionId: Buffer, outputId: Buffer, size: number, putTime: Date): OutputSink {
    return this.openSink(actionId, outputId.toString("hex"), size, putTime, false);
  }

  private openSink(actionId: Buffer, outputHex: string, size: number, putTime: Date, preverified: boolean): OutputSink {
    const diskPath = this.outputPath(outputHex);
    const actionPath = this.actionPath(actionId.toString("hex"));
    const commit = (tempPath: string) => {
      // The output first: a record seen before its output exists is only a miss (get checks the size).
      renameSync(tempPath, diskPath);
      // Always rewrite the record, with the time of this put: after `go clean -testcache`, a re-run
      // test must be stored with a fresh time or it would look expired forever.
      this.writeRecord(actionPath, recordFor(outputHex, size, putTime));
    };
    const open = (tempPath: string) => this.inShard(tempPath, () => openTemp(tempPath));
    return new FileSink({ outputHex, size, putTime, diskPath, commit }, open, preverified);
  }

  /**
   * Records are rewritten in place, as go's own GOCACHE does with its action entries: a reader that
   * catches one half written fails the strict RECORD pattern and sees a miss, never a wrong answer,
   * and no temp file plus rename is paid on every put. Outputs, which go may mmap, always get one.
   * Truncated after the write, as go does (putIndexEntry), not by O_TRUNC, which left it empty while
   * another process re-put the action (go vet beside go test), and that process's readers missed.
   * One ftruncate per put, none per get. Mode 0666 as go's: the umask says who else may rewrite it.
   */
  private writeRecord(path: string, record: Buffer): void {
    let fd: number;
    try {
      fd = this.inShard(path, () => openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o666));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EACCES") throw err;
      replaceFile(path, record);
      return;
    }
    try {
      for (let done = 0; done < record.length; ) done += writeSync(fd, record, done, record.length - done, done);
      ftruncateSync(fd, record.length);
    } finally {
      closeSync(fd);
    }
  }

  /** Runs a file creation in `path`'s shard, creating the shard once (or again, if trimmed away meanwhile). */
  private inShard<T>(path: string, create: () => T): T {
    const shard = dirname(path);
    if (!this.madeShards.has(shard)) {
      mkdirSync(shard, { recursive: true });
      this.madeShards.add(shard);
    }
    try {
      return create();
    } catch (err) {
      if (!isMissing(err)) throw err;
      mkdirSync(shard, { recursive: true });
      return create();
    }
  }

  async close(): Promise<void> {
    if (!this.options.trim) return;
    // go waits for the close reply: unless a trim is due (once an interval; never in a directory's
    // first session) one synchronous stat answers, without loading the trim module and node:fs/promises.
    const now = this.now();
    if (!trimDue(this.dir, this.options.trim.intervalMs, now)) return;
    // Loaded at exit only: the walk and node:fs/promises are not worth paying for at start-up.
    const { claimAndTrim } = await import("./evict.ts");
    const report = await claimAndTrim(this.dir, this.options.trim, now);
    if (report) {
      this.options.log?.info(`trimmed ${report.removedFiles} files (${report.removedBytes} bytes); ${report.keptBytes} bytes kept`);
    }
  }

  /**
   * false when the file is gone (a trim took it since it was looked at): no syscall is added, the
   * refresh that a trim could race is the one that tells. Other failures (a read-only directory,
   * another user's file) only affect eviction order.
   */
  private markUsed(path: string, mtimeMs: number): boolean {
    const now = this.now();
    if (now - mtimeMs < MARK_USED_AFTER_MS) return true;
    const seconds = now / 1000;
    try {
      utimesSync(path, seconds, seconds);
    } catch (err) {
      return !isMissing(err);
    }
    return true;
  }
}

function recordFor(outputHex: string, size: number, putTime: Date): Buffer {
  return Buffer.from(`v1 ${outputHex} ${size} ${Math.floor(putTime.getTime())}\n`, "latin1");
}

function sameBytes(path: string, body: Uint8Array): boolean {
  try {
    return readFileSync(path).equals(body);
  } catch {
    return false;
  }
}

function parseRecord(text: string): ActionRecord | undefined {
  const m = RECORD.exec(text);
  if (!m || !isGoPutTime(Number(m[3]))) return undefined;
  return { outputHex: m[1] as string, size: Number(m[2]), putTimeMs: Number(m[3]) };
}
