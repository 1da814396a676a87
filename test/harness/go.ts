import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { settlesWithin } from "@gocacheprog/common";
import { parseStatsLines, sumStats } from "../../packages/cacheprog-client/src/ops/job-stats.ts";
import { clientBin, goModDir } from "./bins.ts";

export interface GoResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GoRunOptions {
  /** GOCACHE for this run; a brand-new one per run is what proves hits come from the client. */
  goCache: string;
  /** GOCACHEPROG_DIR; undefined leaves it unset so the client picks its default (under GOCACHE). */
  clientDir?: string;
  /** GOCACHEPROG_STATS_FILE: the client writes its exit summary there. */
  statsFile?: string;
  /** false runs plain go with no GOCACHEPROG at all. */
  cacheprog?: boolean;
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** The counters of the client's GOCACHEPROG_STATS_FILE that the tests rely on. */
export interface ClientStats {
  gets: number;
  hits: number;
  misses: number;
  puts: number;
  [counter: string]: number;
}

/**
 * Every `compile -o <archive>` line of `go build -x` is one package really compiled by the Go
 * compiler (Go 1.24-1.26 print `<GOROOT>/pkg/tool/<os_arch>/compile -o $WORK/bNNN/_pkg_.a ...`).
 * A cache hit prints nothing for the package, so a warm build counts 0. Anchored on the tool name
 * followed by ` -o ` so importcfg heredocs, cgo and gcc lines, which also mention $WORK, never count.
 */
export const COMPILE_ACTION = /^.*[/\\]compile(?:\.exe)? -o /gm;
/** Link actions: go never caches linked binaries under GOCACHEPROG, so each one is a get miss. */
export const LINK_ACTION = /^.*[/\\]link(?:\.exe)? -o /gm;

/** Runs of the vet tool (`<tooldir>/vet [-flags] $WORK/bNNN/vet.cfg`). */
export const VET_ACTION = /^.*[/\\]vet(?:\.exe)? .*vet\.cfg$/gm;

export function countCompileActions(xStderr: string): number {
  return xStderr.match(COMPILE_ACTION)?.length ?? 0;
}

const COMPILE_ACTION_LINE = /^.*[/\\]compile(?:\.exe)? -o .*$/gm;

/** Import paths (`-p`) of the packages compiled, for failure messages. */
export function compiledPackages(xStderr: string): string[] {
  return (xStderr.match(COMPILE_ACTION_LINE) ?? []).map((line) => / -p (\S+)/.exec(line)?.[1] ?? line);
}

export function countLinkActions(xStderr: string): number {
  return xStderr.match(LINK_ACTION)?.length ?? 0;
}

export function countVetActions(xStderr: string): number {
  return xStderr.match(VET_ACTION)?.length ?? 0;
}

/**
 * The client's stats file: one JSON line per go command (appended). A fresh file per go command holds
 * one line; for more, the counters are summed, as `gocacheprog summary` does for a CI job.
 */
export function readStats(file: string): ClientStats {
  const { records, badLines } = parseStatsLines(fs.readFileSync(file, "utf8"));
  if (records.length === 0 || badLines > 0) throw new Error(`stats file ${file}: ${records.length} records, ${badLines} bad lines`);
  const stats: Record<string, unknown> = records.length === 1 ? { ...records[0] } : sumStats(records);
  for (const key of ["gets", "hits", "misses", "puts"]) {
    if (typeof stats[key] !== "number") throw new Error(`stats file ${file} lacks a numeric "${key}": ${JSON.stringify(stats)}`);
  }
  return stats as ClientStats;
}

/** Quotes a path the way go's cmd/internal/quoted.Split reads GOCACHEPROG (quotes, no escapes). */
export function quoteForGo(word: string): string {
  if (!/[\s'"]/.test(word)) return word;
  if (!word.includes("'")) return `'${word}'`;
  if (!word.includes('"')) return `"${word}"`;
  throw new Error(`GOCACHEPROG cannot express a path holding both quote characters: ${word}`);
}

/** The caller's environment minus anything that could steer go or the client away from the test's settings. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(GO|CGO_)/.test(key)) continue;
    env[key] = value;
  }
  return env;
}

/** Linux: true while any process of the group is alive (zombies left to a non-reaping init do not count). */
function groupAlive(pgid: number): boolean {
  if (!fs.existsSync("/proc/self/stat")) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") return true;
  }
  return false;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * One isolated Go world per test: its own GOPATH, module cache and temp dirs, plus helpers for
 * fresh GOCACHEs and client dirs. Nothing is read from the user's go env file.
 */
export class GoSandbox {
  private counter = 0;

  private constructor(readonly root: string) {}

  static create(): GoSandbox {
    return new GoSandbox(fs.mkdtempSync(path.join(os.tmpdir(), "gocacheprog-e2e-")));
  }

  /** A new empty directory inside the sandbox. */
  dir(label: string): string {
    const dir = path.join(this.root, `${label}-${++this.counter}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A path inside the sandbox that does not exist yet. */
  file(label: string): string {
    return path.join(this.root, `${label}-${++this.counter}`);
  }

  env(options: GoRunOptions): Record<string, string> {
    const env: Record<string, string> = {
      ...baseEnv(),
      GOCACHE: options.goCache,
      // test/gomod sits in this git repo: without this, go stamps the revision and a "modified" flag
      // into binaries, and a commit between two builds would make identical builds differ.
      GOFLAGS: "-buildvcs=false",
      GOENV: "off",
      GOTOOLCHAIN: "local",
      GOPROXY: "off",
      GOSUMDB: "off",
      GOWORK: "off",
      GO111MODULE: "on",
      GOPATH: path.join(this.root, "gopath"),
      GOMODCACHE: path.join(this.root, "gopath", "pkg", "mod"),
      CGO_ENABLED: "1",
    };
    if (options.cacheprog !== false) env.GOCACHEPROG = quoteForGo(clientBin);
    if (options.clientDir !== undefined) env.GOCACHEPROG_DIR = options.clientDir;
    if (options.statsFile !== undefined) env.GOCACHEPROG_STATS_FILE = options.statsFile;
    return { ...env, ...options.env };
  }

  /**
   * Runs go in its own process group and returns once go AND every child it left behind (the
   * cacheprog writes its stats after answering close; go never waits for it) have exited.
   */
  async run(args: string[], options: GoRunOptions): Promise<GoResult> {
    const timeoutMs = options.timeoutMs ?? 240_000;
    const child = spawn("go", args, {
      cwd: options.cwd ?? goModDir,
      env: this.env(options),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const closed = new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    const pgid = child.pid;
    if (pgid === undefined) {
      await closed; // no process: the spawn error rejects this
      throw new Error(`go ${args.join(" ")} did not start`);
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timedOut = !(await settlesWithin(closed, timeoutMs));
    if (timedOut) killGroup(pgid);
    const code = await closed;
    const lingering = await waitForGroupExit(pgid, 30_000);
    let err = Buffer.concat(stderr).toString("utf8");
    if (timedOut) err += `\n[harness] go ${args.join(" ")} killed after ${timeoutMs} ms\n`;
    if (lingering) err += "\n[harness] a process go started (the cacheprog?) outlived go by 30 s and was killed\n";
    return { code: code ?? -1, stdout: Buffer.concat(stdout).toString("utf8"), stderr: err };
  }

  /** run() with a fresh stats file, whose counters come back with the result. */
  async runWithStats(args: string[], options: GoRunOptions): Promise<GoResult & { stats: ClientStats }> {
    const statsFile = this.file("stats.json");
    const result = await this.run(args, { ...options, statsFile });
    if (!fs.existsSync(statsFile)) {
      throw new Error(`gocacheprog wrote no stats file for go ${args.join(" ")} (exit ${result.code}):\n${result.stderr}`);
    }
    return { ...result, stats: readStats(statsFile) };
  }

  remove(): void {
    // The module cache is read-only by design; make it writable so the sandbox can go.
    const modCache = path.join(this.root, "gopath", "pkg", "mod");
    if (fs.existsSync(modCache)) {
      for (const entry of fs.readdirSync(modCache, { recursive: true, withFileTypes: true })) {
        if (entry.isDirectory()) fs.chmodSync(path.join(entry.parentPath, entry.name), 0o755);
      }
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Resolves true if the group had to be killed after the grace period. */
async function waitForGroupExit(pgid: number, graceMs: number): Promise<boolean> {
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) {
      killGroup(pgid);
      return true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
