import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { StatsJson } from "../../packages/cacheprog-client/src/ops/stats.ts";
import { type ClientStats, countCompileActions, type GoResult, type GoRunOptions, type GoSandbox } from "./go.ts";

/**
 * "Runners": go processes that share a remote gocacheprog-server, each like a CI job in a fresh
 * container (its own GOCACHE and client dir). Helpers to build and check test/gomod's cmd/demo.
 */

/** Client settings for a runner talking to `url`. */
export function remoteEnv(url: string, token?: string, extra: Record<string, string> = {}): Record<string, string> {
  return { GOCACHEPROG_URL: url, ...(token ? { GOCACHEPROG_TOKEN: token } : {}), ...extra };
}

/** The client's own stats-file schema, so the tests read exactly what the client writes. */
export type RemoteStats = StatsJson & ClientStats;

export interface DemoBuild extends GoResult {
  stats: RemoteStats;
  /** The built cmd/demo executable, or null when go failed. */
  binary: Buffer | null;
  /** What the built binary printed (empty when go failed). */
  printed: string;
}

/** sandbox.runWithStats, with the remote tier's counters typed. */
export async function runRemote(sandbox: GoSandbox, args: string[], options: GoRunOptions): Promise<GoResult & { stats: RemoteStats }> {
  const { stats, ...result } = await sandbox.runWithStats(args, options);
  for (const key of ["localHits", "remoteHits", "remoteErrors", "uploads"]) {
    if (typeof stats[key] !== "number") throw new Error(`the stats file lacks the remote counter "${key}": ${JSON.stringify(stats)}`);
  }
  return { ...result, stats: stats as RemoteStats };
}

/** `go build -x -o <tmp> ./cmd/demo` through the client, then runs the result. */
export async function buildDemo(sandbox: GoSandbox, options: GoRunOptions): Promise<DemoBuild> {
  const out = sandbox.file("demo");
  const { stats, ...result } = await runRemote(sandbox, ["build", "-x", "-o", out, "./cmd/demo"], options);
  if (result.code !== 0 || !fs.existsSync(out)) return { ...result, stats, binary: null, printed: "" };
  return { ...result, stats, binary: fs.readFileSync(out), printed: execFileSync(out, { encoding: "utf8" }) };
}

export interface Reference {
  binary: Buffer;
  printed: string;
}

let reference: Promise<Reference> | undefined;

/**
 * cmd/demo built by plain go, no GOCACHEPROG: the bytes every cached build must reproduce. It
 * uses go's own default GOCACHE, which only plain go ever touches, so it is warm after the first
 * file that needs it and costs no cold build per test file.
 */
export function referenceDemo(sandbox: GoSandbox): Promise<Reference> {
  reference ??= (async () => {
    const goCache = execFileSync("go", ["env", "GOCACHE"], {
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", GOTOOLCHAIN: "local" },
      encoding: "utf8",
    }).trim();
    const out = sandbox.file("demo-reference");
    const result = await sandbox.run(["build", "-o", out, "./cmd/demo"], {
      goCache: goCache !== "" && goCache !== "off" ? goCache : sandbox.dir("gocache-plain"),
      cacheprog: false,
    });
    if (result.code !== 0) throw new Error(`the reference build without GOCACHEPROG failed:\n${result.stderr}`);
    return { binary: fs.readFileSync(out), printed: execFileSync(out, { encoding: "utf8" }) };
  })();
  return reference;
}

/**
 * A client dir holding every standard-library package test/gomod needs (build and test), built
 * local-only. Fault tests start from a copy of it so a fault that sends the build back to the
 * compiler only recompiles the module's few packages instead of the whole standard library; the
 * remote traffic is then the module's outputs.
 */
export async function stdlibClientDir(sandbox: GoSandbox): Promise<string> {
  const goCache = sandbox.dir("gocache-std");
  const list = await sandbox.run(["list", "-deps", "-test", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", "./..."], {
    goCache,
    cacheprog: false,
  });
  if (list.code !== 0) throw new Error(`go list failed:\n${list.stderr}`);
  const packages = [...new Set(list.stdout.split("\n").filter((p) => p !== ""))];
  const clientDir = sandbox.dir("client-std");
  const build = await sandbox.run(["build", ...packages], { goCache: sandbox.dir("gocache"), clientDir });
  if (build.code !== 0) throw new Error(`building the standard library into a client dir failed:\n${build.stderr}`);
  return clientDir;
}

/** A private copy of a client dir, so no runner sees another one's puts. */
export function copyDir(sandbox: GoSandbox, source: string, label = "client"): string {
  const copy = sandbox.dir(label);
  fs.cpSync(source, copy, { recursive: true, preserveTimestamps: true });
  return copy;
}

/** Polls until `condition` holds; for "wait until the build is under way" triggers, never for timing claims. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One line of figures for the test log. */
export function describeRun(label: string, run: GoResult & { stats: RemoteStats }): string {
  const s = run.stats;
  return (
    `${label}: compiles ${countCompileActions(run.stderr)}, gets ${s.gets} (local ${s.localHits}, remote ${s.remoteHits}, misses ${s.misses}), ` +
    `puts ${s.puts}, uploads ${s.uploads} (skipped ${s.uploadsSkipped}, dropped ${s.uploadsDropped}, failed ${s.uploadErrors}), ` +
    `remote errors ${s.remoteErrors}, corrupt ${s.remoteCorrupt}, ${s.processMs} ms in client`
  );
}
