// What the CI integration tests share (ci-action-files, ci-action-setup and ci-gitlab-include .test.ts):
// a release directory as the release workflow publishes it, a stand-in client that records its
// arguments, and action/setup.sh run as a GitHub runner runs it, with the runner's files faked.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./bins.ts";
import { removeScratch } from "./scratch.ts";

export const arch = process.arch === "x64" ? "amd64" : process.arch;

// biome-ignore lint/suspicious/noExplicitAny: action metadata is checked field by field
export type Yaml = any;

/** A release directory as the workflow publishes it; the bundled client stands in for the 100 MiB exe. */
export function makeRelease(dir: string, asset: string): void {
  mkdirSync(dir, { recursive: true });
  copyFileSync(asset, join(dir, `gocacheprog-linux-${arch}`));
  chmodSync(join(dir, `gocacheprog-linux-${arch}`), 0o755);
  const sum = createHash("sha256").update(readFileSync(asset)).digest("hex");
  writeFileSync(join(dir, "SHA256SUMS"), `${sum}  gocacheprog-linux-${arch}\n${"0".repeat(64)}  gocacheprog-linux-other\n`);
}

/** A go command that records its arguments, for the subcommands this branch's client may not have yet. */
export function recordingClient(dir: string): string {
  const path = join(dir, "recording-client");
  writeFileSync(path, `#!/bin/sh\n[ "$1" = --version ] && { echo "gocacheprog 0.0.0"; exit 0; }\necho "$*" >> "${dir}/calls"\n`, {
    mode: 0o755,
  });
  return path;
}

export interface Run {
  status: number | null;
  stdout: string;
  env: Record<string, string>;
  outputs: Record<string, string>;
  home: string;
}

export interface CiWorkspace {
  /** A scratch directory of the test file's own. */
  work: string;
  /** Where a test file's beforeAll makes its release of the bundled client (makeRelease). */
  release: string;
  /** action/setup.sh as the runner runs it: INPUT_* variables and the runner's files, in `<work>/<label>`. */
  runSetup(label: string, inputs: Record<string, string>, extraEnv?: Record<string, string>): Run;
  remove(): void;
}

export function ciWorkspace(): CiWorkspace {
  const work = mkdtempSync(join(tmpdir(), "gcp-ci-"));
  const release = join(work, "release");
  const runSetup = (label: string, inputs: Record<string, string>, extraEnv: Record<string, string> = {}): Run => {
    const home = join(work, label);
    // go's telemetry off in this HOME: in its default mode go leaves a detached child that goes on
    // writing .config/go/telemetry after go exits, racing the test's rm of the workspace (CI: ENOTEMPTY).
    mkdirSync(join(home, ".config/go/telemetry"), { recursive: true });
    writeFileSync(join(home, ".config/go/telemetry/mode"), "off");
    const files = { GITHUB_ENV: "env", GITHUB_PATH: "path", GITHUB_OUTPUT: "output" };
    for (const name of Object.values(files)) writeFileSync(join(home, name), "");
    const env: Record<string, string> = {
      PATH: process.env["PATH"] ?? "",
      HOME: home,
      RUNNER_TEMP: join(home, "tmp"),
      ...Object.fromEntries(Object.entries(files).map(([k, v]) => [k, join(home, v)])),
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replaceAll("-", "_")}`, v])),
      ...extraEnv,
    };
    const run = spawnSync("bash", [join(repoRoot, "action/setup.sh")], { cwd: home, env, encoding: "utf8" });
    const pairs = (name: string) =>
      Object.fromEntries(
        readFileSync(join(home, name), "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
    return { status: run.status, stdout: run.stdout + run.stderr, env: pairs("env"), outputs: pairs("output"), home };
  };
  return { work, release, runSetup, remove: () => removeScratch(work) };
}
