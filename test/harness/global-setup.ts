import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BuiltArtifact, builtArtifacts, repoRoot } from "./bins.ts";

const MIN_GO_MINOR = 24;
const INSTALL_GO = `Install Go 1.${MIN_GO_MINOR} or newer from https://go.dev/dl/ and put its bin directory on PATH.`;

/** Fails the e2e suite (never skips it) when the real Go toolchain or a C compiler is missing. */
function checkGo(): void {
  let version: string;
  try {
    // GOTOOLCHAIN=local: report the go on PATH, never a toolchain it would download.
    version = execFileSync("go", ["version"], {
      cwd: os.tmpdir(),
      env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "" },
      encoding: "utf8",
    }).trim();
  } catch (err) {
    throw new Error(`The e2e tests drive the real Go toolchain, but \`go version\` failed (${(err as Error).message}). ${INSTALL_GO}`);
  }
  const match = /\bgo(\d+)\.(\d+)/.exec(version);
  if (!match || Number(match[1]) !== 1 || Number(match[2]) < MIN_GO_MINOR) {
    throw new Error(
      `The e2e tests need Go >= 1.${MIN_GO_MINOR} (GOCACHEPROG is on by default from 1.24), found "${version}". ${INSTALL_GO}`,
    );
  }
  const cc = execFileSync("go", ["env", "CC"], {
    cwd: os.tmpdir(),
    env: { ...process.env, GOTOOLCHAIN: "local" },
    encoding: "utf8",
  }).trim();
  const probe = spawnSync(cc || "gcc", ["--version"], { stdio: "ignore" });
  if (probe.status !== 0) {
    throw new Error(
      `The e2e Go module has a cgo package, which needs a C compiler ("${cc || "gcc"}" not found). Install gcc (e.g. apt-get install gcc).`,
    );
  }
}

function newestMtime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function needsBuild(artifact: BuiltArtifact): boolean {
  if (!fs.existsSync(artifact.file)) return true;
  const sources = Math.max(
    newestMtime(path.join(repoRoot, artifact.workspaceDir, "src")),
    newestMtime(path.join(repoRoot, "packages/common/src")),
  );
  return sources > fs.statSync(artifact.file).mtimeMs;
}

/** Builds missing or stale bins, one workspace at a time, so a half-finished other workspace cannot block this one. */
function ensureBuilt(): void {
  for (const artifact of builtArtifacts) {
    if (!needsBuild(artifact)) continue;
    const build = spawnSync("npm", ["run", "build", "-w", artifact.workspace], { cwd: repoRoot, encoding: "utf8" });
    if (fs.existsSync(artifact.file) && build.status === 0) continue;
    throw new Error(
      `e2e setup: \`npm run build -w ${artifact.workspace}\` did not produce ${path.relative(repoRoot, artifact.file)} ` +
        `(exit ${build.status}).\n${build.stdout}\n${build.stderr}`,
    );
  }
}

export default function setup(): void {
  checkGo();
  ensureBuilt();
}
