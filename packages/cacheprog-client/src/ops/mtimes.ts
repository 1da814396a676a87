import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  futimesSync,
  lstatSync,
  lutimesSync,
  openSync,
  readlinkSync,
  readSync,
} from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";

/**
 * `gocacheprog canonicalize-mtimes [dir]`: gives every file of a checkout an mtime derived from its
 * content, so `go test` results stay cached across fresh checkouts.
 *
 * go caches a test result under a hash of the files the test opened, and for a regular file it hashes
 * the size and mtime, not the content (cmd/go/internal/test, hashOpen); a file modified less than 2 s
 * before the test makes the result uncacheable. A fresh clone gives every file "now" as its mtime, so
 * every test that reads testdata runs again on every runner. A fixed date for all files would be
 * wrong: an edit that keeps the size would then look unchanged to go. So the mtime is a fixed epoch
 * minus a hash of the content, in whole seconds (any filesystem keeps those), spread over 2^28 s: two
 * different contents of one size get the same mtime with a chance of 1 in 268 million.
 */

/** 2000-01-01T00:00:00Z: every canonical mtime lies in the 8.5 years before it (after 1980, which zip needs). */
const EPOCH_S = 946_684_800;
const RANGE_S = 2 ** 28;
const CHUNK = 1 << 20;

export interface CanonicalizeReport {
  root: string;
  /** Where the file list came from: git's index (tracked files), or a walk of the tree. */
  source: "git" | "walk";
  files: number;
  symlinks: number;
  dirs: number;
  bytes: number;
  /** Listed paths not touched: gone, not a regular file or symlink, unreadable, or under a symlinked folder. */
  skipped: number;
  errors: string[];
}

/** The canonical mtime (seconds since 1970) for a content digest. */
export function canonicalMtime(digest: Buffer): number {
  return EPOCH_S - (digest.readUIntBE(0, 6) % RANGE_S);
}

function digestOf(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Tracked paths (relative, '/'-separated) when `root` is in a git work tree with tracked files there; else null. */
function gitFiles(root: string): Promise<string[] | null> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["-c", "core.quotepath=off", "ls-files", "-z", "--recurse-submodules"],
      { cwd: root, encoding: "buffer", maxBuffer: 1 << 30, env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" } },
      (err, stdout) => {
        if (err) return resolve(null); // no git, not a work tree, or a repository git will not trust
        const files = stdout.toString("utf8").split("\0").filter(Boolean);
        // Nothing tracked here (a copy or an ignored folder inside some repository): treated as no checkout.
        resolve(files.length > 0 ? [...new Set(files)] : null);
      },
    );
  });
}

/** Every regular file and symlink under root, never entering symlinked folders or any `.git`. */
async function walkFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [""];
  while (pending.length > 0) {
    const rel = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.name === ".git") continue;
      const child = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) pending.push(child);
      else if (entry.isFile() || entry.isSymbolicLink()) out.push(child);
    }
  }
  return out;
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf("/");
  return slash < 0 ? "" : rel.slice(0, slash);
}

/**
 * True when every folder on the way from root to `dir` is a real folder, not a symlink: a path git
 * lists under a folder that was replaced by a symlink would otherwise lead out of the tree.
 */
function plainFolders(root: string, dir: string, known: Map<string, boolean>): boolean {
  if (dir === "") return true;
  let result = known.get(dir);
  if (result === undefined) {
    result = plainFolders(root, parentOf(dir), known) && lstatSync(join(root, dir), { throwIfNoEntry: false })?.isDirectory() === true;
    known.set(dir, result);
  }
  return result;
}

type Outcome = { kind: "file"; bytes: number } | { kind: "symlink" } | { kind: "skipped" };

/**
 * Hashes one file and sets its times on the open descriptor, never following a symlink (O_NOFOLLOW).
 * Synchronous on purpose: five system calls per file, and the thread-pool round trips of the async
 * API cost more than the calls themselves on a tree of small files.
 */
function canonicalizeFile(path: string, buffer: Buffer): Outcome {
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (info?.isSymbolicLink()) {
    // The link's own times only (lutimes), from its target text; the target is handled on its own if it is in the tree.
    const time = canonicalMtime(digestOf(readlinkSync(path)));
    lutimesSync(path, time, time);
    return { kind: "symlink" };
  }
  if (!info?.isFile()) return { kind: "skipped" };
  // O_NONBLOCK: if the path became a FIFO since lstat, open must not wait for a writer.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) return { kind: "skipped" };
    const hash = createHash("sha256");
    let bytes = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      bytes += read;
    }
    const time = canonicalMtime(hash.digest());
    futimesSync(fd, time, time);
    return { kind: "file", bytes };
  } finally {
    closeSync(fd);
  }
}

/** A folder's mtime from the names of its listed children, so a test that lists testdata is cached too. */
function canonicalizeDir(path: string, names: string[]): boolean {
  const time = canonicalMtime(digestOf(names.sort().join("\0")));
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    futimesSync(fd, time, time);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Refuses anything but a directory; resolves the canonical times of everything in it. */
export async function canonicalizeMtimes(dir: string): Promise<CanonicalizeReport> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${dir}: ${err.code === "ENOENT" ? "no such directory" : err.message}`);
  });
  if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
  const root = await realpath(dir);
  const tracked = await gitFiles(root);
  const paths = tracked ?? (await walkFiles(root));
  const report: CanonicalizeReport = {
    root,
    source: tracked ? "git" : "walk",
    files: 0,
    symlinks: 0,
    dirs: 0,
    bytes: 0,
    skipped: 0,
    errors: [],
  };
  const folders = new Map<string, boolean>();
  /** Folder -> names of the children that were canonicalized (every ancestor of a file, root included). */
  const children = new Map<string, Set<string>>([["", new Set()]]);
  const note = (rel: string) => {
    for (let child = rel, parent = parentOf(rel); ; child = parent, parent = parentOf(parent)) {
      const names = children.get(parent) ?? new Set<string>();
      const known = children.has(parent);
      names.add(child.slice(child.lastIndexOf("/") + 1));
      children.set(parent, names);
      if (parent === "" || known) break;
    }
  };
  const skip = (rel: string, err?: unknown) => {
    report.skipped++;
    if (err && report.errors.length < 10) report.errors.push(`${rel}: ${(err as Error).message}`);
  };

  const buffer = Buffer.allocUnsafe(CHUNK);
  for (const rel of paths) {
    const path = join(root, rel);
    // git never lists such paths; checked anyway, as the promise is "never outside the tree".
    if (rel.split("/").includes("..") || !path.startsWith(root + sep) || !plainFolders(root, parentOf(rel), folders)) {
      skip(rel);
      continue;
    }
    try {
      const outcome = canonicalizeFile(path, buffer);
      if (outcome.kind === "skipped") skip(rel);
      else {
        if (outcome.kind === "file") {
          report.files++;
          report.bytes += outcome.bytes;
        } else report.symlinks++;
        note(rel);
      }
    } catch (err) {
      skip(rel, err);
    }
  }
  for (const [rel, names] of children) {
    if (names.size > 0 && canonicalizeDir(join(root, rel), [...names])) report.dirs++;
  }
  return report;
}

const MTIMES_USAGE = `Usage: gocacheprog canonicalize-mtimes [dir]

Sets the mtime of every file in dir (default: the current directory) to a time derived from its content,
so go test results stay cached across fresh checkouts. In a git work tree: the files git tracks; else
every regular file. Symlinks get their own time and are never followed; .git is left alone.
`;

/** The subcommand: one summary line on stdout; 2 for a bad argument or a path that is not a directory. */
export async function runCanonicalizeMtimes(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(MTIMES_USAGE);
    return 0;
  }
  if (argv.length > 1 || argv[0]?.startsWith("-")) {
    process.stderr.write(`gocacheprog canonicalize-mtimes: expected at most one directory, got ${JSON.stringify(argv)}\n${MTIMES_USAGE}`);
    return 2;
  }
  const started = performance.now();
  let report: CanonicalizeReport;
  try {
    report = await canonicalizeMtimes(argv[0] ?? ".");
  } catch (err) {
    process.stderr.write(`gocacheprog canonicalize-mtimes: ${(err as Error).message}\n`);
    return 2;
  }
  for (const error of report.errors) process.stderr.write(`gocacheprog canonicalize-mtimes: skipped ${error}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const what = report.source === "git" ? "tracked by git" : "found walking the tree";
  process.stdout.write(
    `gocacheprog canonicalize-mtimes: ${report.files} files (${(report.bytes / 1e6).toFixed(1)} MB), ${report.symlinks} symlinks, ` +
      `${report.dirs} folders ${what} in ${report.root} set to content-derived mtimes; ${report.skipped} skipped; ${seconds} s\n`,
  );
  return 0;
}
