import { mkdtemp, readdir, rename, rm, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The node binary our client and server run on: the bench's own unless --node says otherwise (main.ts). */
export const ourRuntime = { node: process.execPath };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const RESULTS_DIR = join(REPO_ROOT, "bench/results");
export const PEER_BIN_DIR = join(REPO_ROOT, ".tools/bench-bin");
export const CLIENT_BIN = join(REPO_ROOT, "packages/cacheprog-client/dist/gocacheprog.cjs");
export const SERVER_BIN = join(REPO_ROOT, "packages/server/dist/main.js");
export const TEST_MODULE_DIR = join(REPO_ROOT, "test/gomod");
/** The module proxy benchmark's program (dozens of real modules). */
export const MODULES_WORKLOAD_DIR = join(REPO_ROOT, "bench/modules");

/** One root for every temp dir of a run, so an interrupted run leaves one thing to delete. */
export class Scratch {
  private constructor(readonly root: string) {}

  static async create(): Promise<Scratch> {
    return new Scratch(await mkdtemp(join(tmpdir(), "gcp-bench-")));
  }

  async dir(prefix: string): Promise<string> {
    return mkdtemp(join(this.root, `${prefix}-`));
  }

  file(name: string): string {
    return join(this.root, name);
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Retired directories are deleted early only when free space falls below this. */
const RETIRE_MIN_FREE_BYTES = 12 * 1024 ** 3;
const RETIRED_PREFIX = ".retired-";
let retiredCount = 0;

/**
 * Retires a run's directory: moved aside (one rename) and deleted with the scratch root at the end of
 * the run, not now. ext4 (here: without a journal) skips inodes freed in the last minute or more
 * when it creates a file, reading the inode table for each: right after one build's thousands of
 * files were deleted, the next build's file creations cost several times more (perf of a warm-start
 * client: ~20% of its CPU in find_inode_bit / recently_deleted; sys time 1.07 s against 0.40 s).
 * A new CI runner or container has no such history, and every system measured here gets the same
 * treatment. When free space runs low, the retired directories go at once.
 */
export async function removeDir(dir: string): Promise<void> {
  const parent = dirname(dir);
  try {
    await rename(dir, join(parent, `${RETIRED_PREFIX}${process.pid}-${retiredCount++}-${basename(dir)}`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    await rm(dir, { recursive: true, force: true });
  }
  const fs = await statfs(parent);
  if (fs.bavail * fs.bsize >= RETIRE_MIN_FREE_BYTES) return;
  for (const name of await readdir(parent)) {
    if (name.startsWith(RETIRED_PREFIX)) await rm(join(parent, name), { recursive: true, force: true });
  }
}
