import { basename, dirname, join } from "node:path";
import { nodeCrypto } from "./ids.ts";

/** Prefix of every temp file we create next to its target; garbage collectors recognise it. */
export const TEMP_FILE_PREFIX = ".tmp-";

/** Random per process (drawn on first use), then a counter: one draw instead of one per temp file. */
let processTag: string | undefined;
let tempCount = 0;

/**
 * A unique temp path in the same directory as `path` (same filesystem, so rename is atomic). The pid
 * and the process's random tag set processes apart, the counter a process's own files; every caller
 * creates it with "wx", so even a collision could only fail a write, never mix two.
 */
export function tempPathFor(path: string): string {
  processTag ??= nodeCrypto().randomBytes(6).toString("hex");
  tempCount++;
  return join(dirname(path), `${TEMP_FILE_PREFIX}${basename(path).slice(0, 16)}-${process.pid}-${processTag}-${tempCount.toString(36)}`);
}

/**
 * Writes `data` under a temp name and renames it over `path`, so readers (other processes included)
 * see the old file or the whole new one, never a torn write. The directory is created when missing.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  // Looked up on use: the client starts once per go command and writes files only at exit.
  const { mkdir, rename, unlink, writeFile } = process.getBuiltinModule("node:fs/promises");
  const temp = tempPathFor(path);
  try {
    try {
      await writeFile(temp, data, { flag: "wx", mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, data, { flag: "wx", mode });
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}
