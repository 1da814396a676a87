import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
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

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
