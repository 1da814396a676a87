import {
  close as closeCallback,
  closeSync,
  type Dirent,
  open as fsOpen,
  read as fsRead,
  fstatSync,
  readFile as readFileCallback,
  rename as renameCallback,
  type Stats,
  write as writeCallback,
  writev as writevCallback,
} from "node:fs";
import { mkdir, open, readdir, rm, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { TEMP_FILE_PREFIX, tempPathFor } from "@gocacheprog/common";
import { isStorageFull, StorageFullError } from "../errors.ts";
import { takeReadBuffer } from "./read-buffers.ts";
import type { BlobBody, BlobListing, BlobStore, ReadOptions, VersionedBytes } from "./types.ts";
import { type BlobExpect, bodyCheckFor } from "./verify.ts";

export interface FsBlobStoreOptions {
  /** Directory holding the blobs, e.g. `<dataDir>/blobs`; created when missing. */
  root: string;
}

/**
 * The embedded default blob store: one file per key under `root`.
 *
 * put() writes a temp file in the target directory and renames it into place only after the size
 * and sha256 check out, so readers never see a partial or wrong blob. There is no fsync: a crash can
 * at worst leave a damaged file behind, and the core re-verifies sha256 when it serves a blob, so
 * that costs a miss, while fsync per put would cost every build.
 */
export class FsBlobStore implements BlobStore {
  readonly kind = "filesystem" as const;
  private readonly root: string;

  constructor(options: FsBlobStoreOptions) {
    this.root = resolve(options.root);
  }

  /** Keys come from keys.ts, but this is the last line of defence against traversal. */
  private pathOf(key: string): string {
    if (!isSafeKey(key)) throw new RangeError(`unsafe blob key ${JSON.stringify(key.slice(0, 120))}`);
    return join(this.root, ...key.split("/"));
  }

  async put(key: string, body: AsyncIterable<Uint8Array>, expect: BlobExpect): Promise<void> {
    try {
      await this.write(key, body, expect);
    } catch (err) {
      // The temp file is gone already (below); a full disk becomes a 507 the next put may not hit.
      if (isStorageFull(err)) throw new StorageFullError(`no space left for blobs under ${this.root}`, { cause: err });
      throw err;
    }
  }

  /**
   * The callback forms of open/writev/close/rename, not a FileHandle: this runs once per upload (and
   * again for its record copy), and fs/promises costs about twice the CPU per call (measured: 5000
   * open/write/close/rename, 236-331 vs 87-124 us each), CPU a cold build's compiler goes without.
   */
  private async write(key: string, body: AsyncIterable<Uint8Array>, expect: BlobExpect): Promise<void> {
    const target = this.pathOf(key);
    const temp = tempPathFor(target);
    const fd = await createTemp(temp);
    let fdOpen = true;
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
        if (pendingBytes >= WRITE_BATCH || pending.length >= WRITE_BATCH_CHUNKS) {
          await writeAll(fd, pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
        }
      }
      verifier.finish();
      if (pendingBytes > 0) await writeAll(fd, pending, pendingBytes);
      fdOpen = false;
      await call<void>((done) => closeCallback(fd, done));
      await call<void>((done) => renameCallback(temp, target, done));
      renamed = true;
    } finally {
      if (!renamed) {
        if (fdOpen) await call<void>((done) => closeCallback(fd, done)).catch(() => {});
        await rm(temp, { force: true });
      }
    }
  }

  async get(key: string): Promise<{ body: BlobBody; size: number } | null> {
    const file = await open(this.pathOf(key), "r").catch(nullIfMissing);
    if (file === null) return null;
    try {
      const { size } = await file.stat();
      return { body: file.createReadStream(), size };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async getBytes(key: string, options: ReadOptions = {}): Promise<Buffer | null> {
    // The callback form: fs/promises' readFile goes through a FileHandle and costs about 1.5x the CPU
    // per small file (measured: 1500 blobs, 212 vs 135 ms), and a warm-start stream reads thousands.
    const bytes = new Promise<Buffer>((resolve, reject) =>
      readFileCallback(this.pathOf(key), { signal: options.signal }, (err, data) => (err ? reject(err) : resolve(data))),
    );
    return bytes.catch(nullIfMissing);
  }

  /**
   * Two round trips through the thread pool: open and one read (readFile takes five for a 1 MiB
   * blob: open, fstat, two reads of 512 KiB and close). fstat and close run here instead: on an
   * open read-only descriptor neither touches the disk (the inode is in memory, nothing is written
   * back). The version comes from the same descriptor as the bytes.
   */
  async getVersioned(key: string, options: ReadOptions = {}): Promise<VersionedBytes | null> {
    const { signal } = options;
    signal?.throwIfAborted();
    const fd = await new Promise<number>((ok, fail) => fsOpen(this.pathOf(key), "r", (err, fd) => (err ? fail(err) : ok(fd)))).catch(
      nullIfMissing,
    );
    if (fd === null) return null;
    try {
      const info = fstatSync(fd);
      const data = takeReadBuffer(info.size);
      let filled = 0;
      while (filled < data.length) {
        signal?.throwIfAborted();
        const at = filled;
        const n = await new Promise<number>((ok, fail) =>
          fsRead(fd, data, at, data.length - at, at, (err, n) => (err ? fail(err) : ok(n))),
        );
        if (n === 0) break;
        filled += n;
      }
      if (filled < data.length) return { data: data.subarray(0, filled), version: undefined };
      return { data, version: fileVersion(info) };
    } finally {
      closeSync(fd);
    }
  }

  async head(key: string): Promise<{ size: number; lastModified: Date } | null> {
    const info = await stat(this.pathOf(key)).catch(nullIfMissing);
    return info === null || !info.isFile() ? null : { size: info.size, lastModified: info.mtime };
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch(nullIfMissing);
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    // Walk only the deepest directory the prefix names completely; filter the rest by name.
    const dirPart = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    if (dirPart !== "" && !isSafeKey(dirPart.slice(0, -1))) throw new RangeError(`unsafe list prefix ${JSON.stringify(prefix)}`);
    yield* this.walk(dirPart, prefix);
  }

  private async *walk(relativeDir: string, prefix: string): AsyncIterable<BlobListing> {
    const entries: Dirent[] | null = await readdir(join(this.root, relativeDir), { withFileTypes: true }).catch(nullIfMissing);
    if (entries === null) return;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue; // temp files of puts in flight (TEMP_FILE_PREFIX)
      const key = relativeDir + entry.name;
      if (entry.isDirectory()) {
        if (prefix.startsWith(key + "/") || (key + "/").startsWith(prefix)) yield* this.walk(key + "/", prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(join(this.root, key)).catch(nullIfMissing);
        if (info !== null) yield { key, size: info.size, lastModified: info.mtime };
      }
    }
  }

  /** Temp files of puts cut short (their process died before the rename or the cleanup). */
  async removeLeftovers(olderThan: Date): Promise<{ removed: number; bytes: number }> {
    const found = { removed: 0, bytes: 0 };
    const visit = async (dir: string): Promise<void> => {
      const entries: Dirent[] | null = await readdir(dir, { withFileTypes: true }).catch(nullIfMissing);
      for (const entry of entries ?? []) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await visit(path);
        else if (entry.isFile() && entry.name.startsWith(TEMP_FILE_PREFIX)) {
          const info = await stat(path).catch(nullIfMissing);
          if (info === null || info.mtime >= olderThan) continue;
          await rm(path, { force: true });
          found.removed++;
          found.bytes += info.size;
        }
      }
    };
    await visit(this.root);
    return found;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async close(): Promise<void> {}
}

/** Relative, '/'-separated, no empty/'.'/'..' segments, no backslashes or NULs, no dot-files. */
export function isSafeKey(key: string): boolean {
  if (key === "" || key.includes("\\") || key.includes("\0") || key.startsWith("/")) return false;
  return key.split("/").every((segment) => segment !== "" && !segment.startsWith(".") && !segment.includes(sep));
}

/**
 * Blobs are written to a temp file and renamed into place, never changed in place, so the same
 * inode with the same change time holds the same bytes. Unless that change is recent: the kernel
 * stamps times from a clock that ticks every few ms, so a write right after the read could keep
 * the stamp; then there is no version.
 */
const SETTLED_MS = 2000;

function fileVersion(info: Stats): string | undefined {
  if (Date.now() - info.ctimeMs < SETTLED_MS) return undefined;
  return `${info.dev}:${info.ino}:${info.size}:${info.ctimeMs}:${info.mtimeMs}`;
}

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

function nullIfMissing(error: unknown): null {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
  throw error;
}
