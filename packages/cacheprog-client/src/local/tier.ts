import { mkdir, open, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex, writeFileAtomic } from "@gocacheprog/common";
import type { Logger } from "../ops/log.ts";
import { type CacheTier, type Hit, IntegrityError, MISS, type Miss, type PutOptions, type PutResult } from "../tier.ts";
import { type TrimPolicy, trimIfDue } from "./evict.ts";
import { ACTION_SUFFIX, OUTPUT_SUFFIX } from "./layout.ts";

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
 * temp name and renamed into place (writeFileAtomic), so concurrent go processes sharing the
 * directory only ever see whole files, and a file go may have mmapped is replaced, never rewritten.
 */
export class DiskTier implements CacheTier {
  readonly dir: string;
  private readonly now: () => number;
  private readonly madeShards = new Set<string>();

  constructor(private readonly options: DiskTierOptions) {
    this.dir = options.dir;
    this.now = options.now ?? Date.now;
  }

  outputPath(outputHex: string): string {
    return join(this.dir, outputHex.slice(0, 2), outputHex + OUTPUT_SUFFIX);
  }

  actionPath(actionHex: string): string {
    return join(this.dir, actionHex.slice(0, 2), actionHex + ACTION_SUFFIX);
  }

  async get(actionId: Buffer): Promise<Hit | Miss> {
    const actionFile = this.actionPath(actionId.toString("hex"));
    let record: ActionRecord | undefined;
    let actionMtimeMs: number;
    try {
      const handle = await open(actionFile, "r");
      try {
        actionMtimeMs = (await handle.stat()).mtimeMs;
        record = parseRecord(await handle.readFile("latin1"));
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (isMissing(err)) return MISS;
      throw err;
    }
    if (!record) {
      this.options.log?.debug(`ignoring unreadable action record ${actionFile}`);
      return MISS;
    }
    const diskPath = this.outputPath(record.outputHex);
    let output: Awaited<ReturnType<typeof stat>>;
    try {
      output = await stat(diskPath);
    } catch (err) {
      if (isMissing(err)) return MISS;
      throw err;
    }
    // go stats the file and treats any other size as incomplete, so answering would only waste a round trip.
    if (!output.isFile() || output.size !== record.size) return MISS;
    await Promise.all([this.markUsed(actionFile, actionMtimeMs), this.markUsed(diskPath, output.mtimeMs)]);
    return {
      hit: true,
      outputId: Buffer.from(record.outputHex, "hex"),
      size: record.size,
      diskPath,
      putTime: new Date(record.putTimeMs),
      source: "local",
    };
  }

  async put(actionId: Buffer, outputId: Buffer, body: Uint8Array, options?: PutOptions): Promise<PutResult> {
    const outputHex = outputId.toString("hex");
    const actual = sha256Hex(body);
    if (actual !== outputHex) {
      throw new IntegrityError(`body (${body.length} bytes) hashes to ${actual}, not to OutputID ${outputHex}; nothing stored`);
    }
    const diskPath = this.outputPath(outputHex);
    // Always rewrite the record, with the time of this put: after `go clean -testcache`, a re-run
    // test must be stored with a fresh time or it would look expired forever.
    const putTimeMs = options?.putTime?.getTime() ?? this.now();
    const record = Buffer.from(`v1 ${outputHex} ${body.length} ${Math.floor(putTimeMs)}\n`, "latin1");
    // Both files at once: a file create costs ~0.6 ms here, and a record seen before its output
    // exists is only a miss (get checks the output's size).
    await Promise.all([this.storeOutput(diskPath, body), this.writeRecord(this.actionPath(actionId.toString("hex")), record)]);
    return { diskPath };
  }

  private async storeOutput(diskPath: string, body: Uint8Array): Promise<void> {
    const existing = await stat(diskPath).catch((err) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    if (existing?.isFile() && existing.size === body.length) await this.markUsed(diskPath, existing.mtimeMs);
    else await writeFileAtomic(diskPath, body);
  }

  /**
   * Records are rewritten in place, as go's own GOCACHE does with its action entries: a reader that
   * catches one half written fails the strict RECORD pattern and sees a miss, never a wrong answer,
   * and no temp file plus rename is paid on every put. Outputs, which go may mmap, always get one.
   */
  private async writeRecord(path: string, record: Buffer): Promise<void> {
    await this.ensureShard(path);
    try {
      await writeFile(path, record, { mode: 0o644 });
    } catch (err) {
      if (!isMissing(err)) throw err;
      this.madeShards.delete(join(path, ".."));
      await this.ensureShard(path);
      await writeFile(path, record, { mode: 0o644 });
    }
  }

  private async ensureShard(path: string): Promise<void> {
    const shard = join(path, "..");
    if (this.madeShards.has(shard)) return;
    await mkdir(shard, { recursive: true });
    this.madeShards.add(shard);
  }

  async close(): Promise<void> {
    if (!this.options.trim) return;
    const report = await trimIfDue(this.dir, this.options.trim, this.now());
    if (report) {
      this.options.log?.info(`trimmed ${report.removedFiles} files (${report.removedBytes} bytes); ${report.keptBytes} bytes kept`);
    }
  }

  private async markUsed(path: string, mtimeMs: number): Promise<void> {
    const now = this.now();
    if (now - mtimeMs < MARK_USED_AFTER_MS) return;
    const seconds = now / 1000;
    // Losing this race (file evicted meanwhile, read-only dir) only affects eviction order.
    await utimes(path, seconds, seconds).catch(() => {});
  }
}

function parseRecord(text: string): ActionRecord | undefined {
  const m = RECORD.exec(text);
  if (!m) return undefined;
  return { outputHex: m[1] as string, size: Number(m[2]), putTimeMs: Number(m[3]) };
}
