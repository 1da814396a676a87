import { execFileSync, spawn } from "node:child_process";
import { cp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseStatsLines } from "../../packages/cacheprog-client/src/ops/job-stats.ts";
import type { SpawnedServer } from "../../test/harness/child-server.ts";
import { stopProcess } from "../../test/harness/child-server.ts";
import { getFreePort } from "../../test/harness/ports.ts";
import { CLIENT_BIN, MODULES_WORKLOAD_DIR, ourRuntime, removeDir, type Scratch, SERVER_BIN } from "./paths.ts";
import { type Summary, seconds, summarize } from "./summary.ts";
import { startProcess } from "./systems.ts";

/**
 * The module proxy benchmark (issue goals): a fresh builder of bench/modules (dozens of modules)
 *   M0  go mod download from a local copy (GOPROXY=file://): go's own unpacking and hashing, the floor;
 *   M1  go mod download from the upstream itself (the machine's default GOPROXY: the network);
 *   M2  go mod download through an empty gocacheprog-server (it fills from the same upstream);
 *   M3  go mod download through that server, now warm;               goal: M1/M3 >= 5
 *   B1  Go's own warm build (warm GOCACHE and GOMODCACHE, no GOCACHEPROG);
 *   B2  an empty GOMODCACHE, GOCACHE and client dir building against a server warm for both
 *       modules and build outputs (GOPROXY=server/gomod, GOCACHEPROG);  goal: B2/B1 <= 1.5
 *   B3  B2's build alone: the module cache already filled (untimed `go mod download`, as a docker
 *       layer of the README's recipe keeps it), empty GOCACHE and client dir. B2 - B3 is the modules' share.
 *   B4  B2 as the README's CI recipe runs it: `gocacheprog warm` beside `go mod download`, then the build
 *       (timed from the start of both to the build's end). go starts its cache child only once the
 *       modules are loaded, so B2's own warm start cannot overlap the download; the warm command can.
 * M1/M0 bounds M1/M3: go's own unpacking (M0) is in every download, whatever serves it.
 */

export type ModuleScenario = "M0" | "M1" | "M2" | "M3" | "B1" | "B2" | "B3" | "B4";

const LABELS: Record<ModuleScenario, string> = {
  M0: "go mod download, from a local directory (go's own share)",
  M1: "go mod download, from the upstream",
  M2: "go mod download, through an empty server",
  M3: "go mod download, through the warm server",
  B1: "go build, Go's own warm build",
  B2: "go build, fresh builder, server warm (modules + outputs)",
  B3: "go build, module cache already filled (docker layer), GOCACHE empty, server warm",
  B4: "B2 with `gocacheprog warm` beside `go mod download` first",
};

export interface ModuleSample {
  scenario: ModuleScenario;
  rep: number;
  ms: number;
  /** B2, B3: the client's build-cache hits and misses (the outputs must come from the server). */
  hits?: number;
  misses?: number;
  /** B4: hits the local directory answered (the warm command filled it). */
  localHits?: number;
  /** B2, B3: entries the warm-start stream stored and those go then asked for (0 = no manifest was found). */
  warmEntries?: number;
  warmUsed?: number;
  /** B2, B3: the server's CPU time during the build (it shares the machine's cores with go and the client). */
  serverCpuMs?: number;
}

export interface ModuleResults {
  // The upstream's address is deliberately not recorded: results are committed, and a registry's host name
  // must not appear in the repository.
  modules: number;
  samples: ModuleSample[];
  failures: string[];
}

/** The machine's own GOPROXY, minus "direct" and "off": what the server fills from. */
function machineUpstream(): { goproxy: string; upstream: string } {
  const goproxy = execFileSync("go", ["env", "GOPROXY"], { cwd: tmpdir(), encoding: "utf8" }).trim();
  const upstream = goproxy
    .split(/[,|]/)
    .map((e) => e.trim())
    .filter((e) => e !== "" && e !== "direct" && e !== "off")
    .join(",");
  return { goproxy, upstream };
}

function goRun(args: string[], env: NodeJS.ProcessEnv, command = "go"): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: MODULES_WORKLOAD_DIR, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} ${args.join(" ")}: ${stderr}`)),
    );
  });
}

export async function runModuleScenarios(reps: number, scratch: Scratch, log: (line: string) => void): Promise<ModuleResults> {
  const { goproxy, upstream } = machineUpstream();
  const results: ModuleResults = { modules: 0, samples: [], failures: [] };
  if (upstream === "") {
    results.failures.push(`no module proxy in the machine's GOPROXY (${goproxy === "" ? "empty" : "only direct/off"}): nothing to measure`);
    return results;
  }
  results.modules = execFileSync("go", ["list", "-m", "all"], { cwd: MODULES_WORKLOAD_DIR, encoding: "utf8" }).trim().split("\n").length;
  for (let rep = 1; rep <= reps; rep++) {
    try {
      await oneRep(rep, goproxy, upstream, scratch, results, log);
    } catch (err) {
      results.failures.push(`rep ${rep}: ${(err as Error).message.split("\n").slice(0, 4).join(" / ")}`);
      log(`[modules rep ${rep}] FAILED: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return results;
}

async function oneRep(
  rep: number,
  goproxy: string,
  upstream: string,
  scratch: Scratch,
  results: ModuleResults,
  log: (line: string) => void,
): Promise<void> {
  const record = (scenario: ModuleScenario, ms: number, counts: Omit<ModuleSample, "scenario" | "rep" | "ms"> = {}) => {
    results.samples.push({ scenario, rep, ms, ...counts });
    const hits =
      counts.hits !== undefined
        ? `  hits ${counts.hits} misses ${counts.misses} warm ${counts.warmUsed}/${counts.warmEntries} server CPU ${counts.serverCpuMs} ms`
        : "";
    log(`[modules rep ${rep}] ${scenario} ${LABELS[scenario].padEnd(58)} ${seconds(ms).padStart(8)}${hits}`);
  };
  /**
   * A new builder: empty module cache and GOCACHE. The module cache is always at the same path, as
   * on CI runners of one image: go's action IDs include the module source directory, so builders
   * with different GOMODCACHE paths could not share build outputs.
   */
  const gopath = join(scratch.root, "modbench-gopath");
  const fresh = async (proxy: string, extra: Record<string, string> = {}) => {
    await removeDir(gopath);
    return {
      env: {
        ...baseEnv(),
        GOPROXY: proxy,
        GOPATH: gopath,
        GOMODCACHE: join(gopath, "pkg", "mod"),
        GOCACHE: await scratch.dir("gocache"),
        GOFLAGS: "-buildvcs=false -modcacherw",
        ...extra,
      },
    };
  };

  record("M1", await goRun(["mod", "download"], (await fresh(goproxy)).env));

  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  const server: SpawnedServer = await startProcess(
    "gocacheprog-server (modules)",
    ourRuntime.node,
    [
      SERVER_BIN,
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--data-dir",
      await scratch.dir("server-data"),
      "--log-level",
      "warn",
      "--gc-interval",
      "0",
    ],
    { ...process.env, GOCACHEPROG_SERVER_GOMOD_UPSTREAM: upstream },
    `${url}/readyz`,
  );
  try {
    const viaServer = `${url}/gomod,off`;
    record("M2", await goRun(["mod", "download"], (await fresh(viaServer)).env));
    const warm = await fresh(viaServer);
    record("M3", await goRun(["mod", "download"], warm.env));
    const local = join(scratch.root, `modbench-proxy-${rep}`);
    await cp(join(gopath, "pkg", "mod", "cache", "download"), local, { recursive: true });
    record("M0", await goRun(["mod", "download"], (await fresh(`file://${local}`, { GOSUMDB: "off" })).env));
    await removeDir(local);
    // The module cache M3 filled again, for Go's own warm build.
    await goRun(["mod", "download"], warm.env);

    // Go's own warm build: the warm module cache of M3, a GOCACHE built once.
    const out = join(scratch.root, `modbench-${rep}`);
    await goRun(["build", "-o", out, "."], { ...warm.env, GOPROXY: "off" });
    record("B1", await goRun(["build", "-o", out, "."], { ...warm.env, GOPROXY: "off" }));

    // Fill the server's build cache (a cold builder), then measure a brand-new one.
    // One build key for all (B4's warm command needs it named; it only names the manifest).
    const client = (dir: string) => ({
      GOCACHEPROG: `${ourRuntime.node} ${CLIENT_BIN}`,
      GOCACHEPROG_URL: url,
      GOCACHEPROG_DIR: dir,
      GOCACHEPROG_KEY: "modbench",
    });
    // A cold runner has no binary yet: with B1's up-to-date one in place, go would skip the link's
    // lookups and the filler's manifest would lack them (2 misses in every B2 and B3).
    const filler = await fresh(viaServer);
    await removeDir(out);
    await goRun(["build", "-o", out, "."], { ...filler.env, ...client(await scratch.dir("client")) });
    const build = async (scenario: "B2" | "B3" | "B4", env: NodeJS.ProcessEnv) => {
      const statsFile = join(scratch.root, `modbench-stats-${scenario}-${rep}.json`);
      const cpuBefore = await processCpuMs(server.child.pid);
      const buildEnv = { ...env, ...client(await scratch.dir("client")), GOCACHEPROG_STATS_FILE: statsFile };
      const started = performance.now();
      if (scenario === "B4") {
        await Promise.all([goRun([CLIENT_BIN, "warm"], buildEnv, ourRuntime.node), goRun(["mod", "download"], buildEnv)]);
      }
      await goRun(["build", "-o", out, "."], buildEnv);
      const ms = performance.now() - started;
      const cpuAfter = await processCpuMs(server.child.pid);
      const stats: { hits?: number; misses?: number; localHits?: number; warmEntries?: number; warmUsed?: number } =
        parseStatsLines(await readFile(statsFile, "utf8").catch(() => "")).records.at(-1) ?? {};
      record(scenario, ms, {
        hits: stats.hits,
        misses: stats.misses,
        localHits: stats.localHits,
        warmEntries: stats.warmEntries,
        warmUsed: stats.warmUsed,
        serverCpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? Math.round(cpuAfter - cpuBefore) : undefined,
      });
    };
    await build("B2", (await fresh(viaServer)).env);
    const layered = await fresh(viaServer);
    await goRun(["mod", "download"], layered.env);
    await build("B3", layered.env);
    await build("B4", (await fresh(viaServer)).env);
    await removeDir(gopath);
  } finally {
    await stopProcess(server.child);
  }
}

/** A process's user + system CPU time so far (Linux /proc; undefined elsewhere or when it is gone). */
async function processCpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (!fields || fields.length < 13) return undefined;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_S = 100;

/** The caller's environment without anything that steers go or the client. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GO|CGO_|GOCACHEPROG)/.test(key) && key !== "GOROOT") continue;
    env[key] = value;
  }
  return { ...env, GOTOOLCHAIN: "local", GOWORK: "off", GOENV: "off" };
}

export function moduleTable(results: ModuleResults): string[] {
  const time = (scenario: ModuleScenario): Summary | undefined =>
    summarize(results.samples.filter((s) => s.scenario === scenario).map((s) => s.ms));
  const format = (s: Summary | undefined) =>
    !s ? "n/a" : s.n === 1 ? seconds(s.median) : `${seconds(s.median)} (${seconds(s.min)}–${seconds(s.max)})`;
  const ratio = (a: ModuleScenario, b: ModuleScenario) => {
    const [x, y] = [time(a), time(b)];
    return x && y && y.median > 0 ? `${a}/${b} = ${(x.median / y.median).toFixed(2)}x` : "";
  };
  const goals: Partial<Record<ModuleScenario, string>> = {
    M3: `${ratio("M1", "M3")} (goal ≥ 5x; at most ${ratio("M1", "M0")}, go's own share)`,
    B2: `${ratio("B2", "B1")} (goal ≤ 1.5x)`,
    B3: ratio("B3", "B1"),
    B4: `${ratio("B4", "B1")} (goal ≤ 1.5x)`,
  };
  const lines = ["| # | scenario | time: median (min–max) | ratio |", "|---|---|---|---|"];
  for (const scenario of Object.keys(LABELS) as ModuleScenario[]) {
    const last = results.samples.filter((s) => s.scenario === scenario && s.hits !== undefined).at(-1);
    const cpu = summarize(results.samples.filter((s) => s.scenario === scenario && s.serverCpuMs !== undefined).map((s) => s.serverCpuMs!));
    const from =
      scenario === "B4"
        ? `${last?.localHits ?? 0} of them from the local directory the warm command filled`
        : `${last?.warmUsed ?? 0} of them from the warm-start stream of ${last?.warmEntries ?? 0}`;
    const hits = last ? ` (${last.hits} hits / ${last.misses} misses; ${from}${cpu ? `; server CPU ${seconds(cpu.median)}` : ""})` : "";
    lines.push(`| ${scenario} | ${LABELS[scenario]}${hits} | ${format(time(scenario))} | ${goals[scenario] ?? ""} |`);
  }
  return lines;
}
