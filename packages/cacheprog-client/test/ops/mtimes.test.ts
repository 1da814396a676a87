import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, buildBin } from "../helpers.ts";

// `gocacheprog canonicalize-mtimes` run as the real bin on real trees: which files it touches, which it
// must not (outside the tree through symlinks, .git, untracked files in a git checkout), and that the
// times depend on content only.

const work = mkdtempSync(join(tmpdir(), "gcp-mtimes-"));
const RECENT = Date.now() / 1000 - 60;
const Y1980 = Date.UTC(1980, 0, 2) / 1000;
const Y2000 = Date.UTC(2000, 0, 1) / 1000;

beforeAll(() => buildBin());
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(...args: string[]) {
  const result = spawnSync(BIN, ["canonicalize-mtimes", ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const mtime = (path: string) => lstatSync(path).mtimeMs / 1000;

/** A tree whose files all have a recent mtime, as a fresh checkout has. */
function tree(name: string, files: Record<string, string>): string {
  const root = join(work, name);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), content);
    utimesSync(join(root, rel), RECENT, RECENT);
  }
  return root;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd, stdio: "pipe" });

describe("gocacheprog canonicalize-mtimes", () => {
  it("refuses a file, a missing path and extra arguments, touching nothing", () => {
    const root = tree("refuse", { "a.txt": "a" });
    const file = run(join(root, "a.txt"));
    expect(file.code).toBe(2);
    expect(file.stderr).toContain("is not a directory");
    expect(run(join(root, "missing")).stderr).toContain("no such directory");
    expect(run(root, root).code).toBe(2);
    expect(mtime(join(root, "a.txt"))).toBeCloseTo(RECENT, 0);
  });

  it("gives every file a time before 2000 from its content alone, the same in any copy, and prints one line", () => {
    const files = {
      "go.mod": "module x\n",
      "pkg/testdata/in.txt": "hello\n",
      "pkg/other.txt": "hello\n",
      "pkg/x_test.go": "package pkg\n",
    };
    const a = tree("copy-a", files);
    const b = tree("copy-b", files);
    utimesSync(join(b, "pkg/testdata/in.txt"), RECENT - 3600, RECENT - 3600);
    const done = run(a);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(
      /^gocacheprog canonicalize-mtimes: 4 files \(0\.0 MB\), 0 symlinks, 3 folders found walking the tree in .* 0 skipped; [\d.]+ s\n$/,
    );
    expect(run(b).code).toBe(0);
    for (const rel of [...Object.keys(files), "pkg", "pkg/testdata", "."]) {
      expect(mtime(join(a, rel)), rel).toBeGreaterThan(Y1980);
      expect(mtime(join(a, rel)), rel).toBeLessThanOrEqual(Y2000);
      expect(mtime(join(a, rel)), rel).toBe(mtime(join(b, rel)));
    }
    // Same content, same time; another content (even of the same size), another time.
    expect(mtime(join(a, "pkg/other.txt"))).toBe(mtime(join(a, "pkg/testdata/in.txt")));
    writeFileSync(join(b, "pkg/testdata/in.txt"), "HELLO\n");
    expect(run(b).code).toBe(0);
    expect(mtime(join(b, "pkg/testdata/in.txt"))).not.toBe(mtime(join(a, "pkg/testdata/in.txt")));
    expect(Number.isInteger(mtime(join(b, "pkg/testdata/in.txt")))).toBe(true);
  });

  it("never follows a symlink out of the tree and leaves .git alone", () => {
    const outside = tree("outside", { "secret.txt": "s", "dir/inner.txt": "i" });
    const root = tree("links", { "in.txt": "x", ".git/config": "c", "sub/.git": "gitdir: elsewhere" });
    symlinkSync(join(outside, "secret.txt"), join(root, "to-file"));
    symlinkSync(join(outside, "dir"), join(root, "to-dir"));
    const before = lstatSync(join(outside, "secret.txt")).mtimeMs;
    const done = run(root);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain("1 files (0.0 MB), 2 symlinks");
    expect(lstatSync(join(outside, "secret.txt")).mtimeMs).toBe(before);
    expect(mtime(join(outside, "dir/inner.txt"))).toBeCloseTo(RECENT, 0);
    expect(mtime(join(root, ".git/config"))).toBeCloseTo(RECENT, 0);
    expect(mtime(join(root, "sub/.git"))).toBeCloseTo(RECENT, 0);
    expect(mtime(join(root, "to-file"))).toBeLessThan(Y2000); // the link's own time
    expect(mtime(join(root, "in.txt"))).toBeLessThan(Y2000);
  });

  it("in a git checkout: only tracked files, never through a tracked folder replaced by a symlink", () => {
    const root = tree("repo", { "tracked.txt": "t", "lib/a.txt": "a" });
    git(root, "init", "-q");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "init");
    writeFileSync(join(root, "untracked.txt"), "u");
    utimesSync(join(root, "untracked.txt"), RECENT, RECENT);
    utimesSync(join(root, "tracked.txt"), RECENT, RECENT);
    const done = run(root);
    expect(done.stdout).toContain("2 files (0.0 MB), 0 symlinks, 2 folders tracked by git");
    expect(mtime(join(root, "tracked.txt"))).toBeLessThan(Y2000);
    expect(mtime(join(root, "untracked.txt"))).toBeCloseTo(RECENT, 0);
    expect(statSync(join(root, ".git/index")).mtimeMs / 1000).toBeGreaterThan(Y2000);

    // lib/ is still in git's index, but now a symlink to a folder outside with a file of the same name.
    const outside = tree("repo-outside", { "a.txt": "o" });
    rmSync(join(root, "lib"), { recursive: true });
    symlinkSync(outside, join(root, "lib"));
    const again = run(root);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("1 skipped");
    expect(mtime(join(outside, "a.txt"))).toBeCloseTo(RECENT, 0);
  });

  it("a subfolder of a checkout: the tracked files under it", () => {
    const root = join(work, "repo-sub");
    cpSync(tree("repo-sub-src", { "top.txt": "t", "sub/a.txt": "a" }), root, { recursive: true });
    git(root, "init", "-q");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "init");
    utimesSync(join(root, "top.txt"), RECENT, RECENT);
    expect(run(join(root, "sub")).stdout).toContain("1 files (0.0 MB), 0 symlinks, 1 folders tracked by git");
    expect(mtime(join(root, "top.txt"))).toBeCloseTo(RECENT, 0);
    expect(mtime(join(root, "sub/a.txt"))).toBeLessThan(Y2000);
  });
});
