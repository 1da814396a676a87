import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { goModDir } from "./harness/bins.ts";
import { startFaultProxy } from "./harness/fault-proxy.ts";
import { compiledPackages, countCompileActions, type GoResult, GoSandbox } from "./harness/go.ts";
import { gomod, okLines } from "./harness/gomod.ts";
import { describeRun, type RemoteStats, referenceDemo, remoteEnv, runRemote } from "./harness/runners.ts";
import { type StorageKind, startCacheServer } from "./harness/server.ts";

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

function expectSuccess(result: GoResult): void {
  expect(result.code, `go failed:\n${result.stderr}`).toBe(0);
}

/** A brand-new machine: nothing in GOCACHE, nothing in the client dir, only the server's URL. */
function newRunner(url: string, cwd?: string) {
  return { goCache: sandbox.dir("gocache"), clientDir: sandbox.dir("client"), env: remoteEnv(url), cwd };
}

const LOOKUP = { route: "/v1/actions/:id", method: "GET" };

/** Warm start's promise: (nearly) every hit came from the one prefetch stream, not from per-entry lookups. */
function expectWarm(label: string, stats: RemoteStats): void {
  expect(stats.hits, label).toBeGreaterThan(0);
  expect(stats.warmUsed, `${label}: ${JSON.stringify(stats)}`).toBeGreaterThanOrEqual(Math.ceil(stats.hits * 0.99));
  // Per-entry lookups: only what the manifest could not predict (go's misses, e.g. link actions).
  expect(stats.remoteGets, label).toBeLessThanOrEqual(stats.misses + 2);
  expect(stats.remoteGets, label).toBeLessThanOrEqual(5);
}

function warmLine(label: string, run: GoResult & { stats: RemoteStats }): string {
  const s = run.stats;
  return `${describeRun(label, run)}; warm ${s.warmEntries} entries (${s.warmBytes} B), ${s.warmUsed} used, ${s.warmWasted} wasted, manifest ${s.manifestIds}`;
}

describe.each<StorageKind>(["embedded", "s3-redis"])("warm start (%s storage)", (storage) => {
  it("a new runner with the same build key takes every hit from one prefetch stream: 0 compiles, all (cached)", async () => {
    const server = await startCacheServer({ storage });
    try {
      const runnerA = newRunner(server.url);
      const buildA = await runRemote(sandbox, ["build", "-x", "./..."], runnerA);
      expectSuccess(buildA);
      const testA = await runRemote(sandbox, ["test", "-x", "./..."], runnerA);
      expectSuccess(testA);
      console.info(warmLine(`${storage} buildA`, buildA));
      console.info(warmLine(`${storage} testA`, testA));
      expect(buildA.stats.manifestIds).toBeGreaterThan(gomod.packageCount);
      expect(testA.stats.manifestIds).toBeGreaterThan(gomod.packageCount);

      const lookupsBefore = await server.metric("gocacheprog_http_requests_total", LOOKUP);
      const runnerB = newRunner(server.url);
      const buildB = await runRemote(sandbox, ["build", "-x", "./..."], runnerB);
      expectSuccess(buildB);
      console.info(warmLine(`${storage} buildB`, buildB));
      expect(countCompileActions(buildB.stderr), `compiled ${compiledPackages(buildB.stderr)}`).toBe(0);
      expectWarm("buildB", buildB.stats);

      const testB = await runRemote(sandbox, ["test", "-x", "./..."], newRunner(server.url));
      expectSuccess(testB);
      console.info(warmLine(`${storage} testB`, testB));
      const okB = okLines(testB.stdout);
      expect(okB.map((line) => line.split("\t")[1]).sort()).toEqual(gomod.testedPackages);
      expect(okB.filter((line) => !line.includes("(cached)"))).toEqual([]);
      expect(countCompileActions(testB.stderr), `compiled ${compiledPackages(testB.stderr)}`).toBe(0);
      expectWarm("testB", testB.stats);

      // Counted on the server too: B's per-entry lookups are the handful its stats report.
      const lookups = (await server.metric("gocacheprog_http_requests_total", LOOKUP)) - lookupsBefore;
      expect(lookups).toBe(buildB.stats.remoteGets + testB.stats.remoteGets);
      expect(await server.metric("gocacheprog_prefetch_entries_total", { result: "sent" })).toBeGreaterThanOrEqual(
        buildB.stats.warmEntries + testB.stats.warmEntries,
      );
    } finally {
      await server.close();
    }
  });
});

describe("warm start when things change or break (embedded storage)", () => {
  it("a changed tree compiles only what changed and its dependents, takes the rest from the prefetch, and links plain go's binary", async () => {
    const server = await startCacheServer();
    const tree = sandbox.dir("module");
    fs.cpSync(goModDir, tree, { recursive: true });
    // The same directory and command line: the automatic build key of A and C is the same.
    const bin = sandbox.dir("bin");
    const args = ["build", "-x", "-o", `${bin}${path.sep}`, "./..."];
    try {
      const a = await runRemote(sandbox, args, newRunner(server.url, tree));
      expectSuccess(a);
      // stats sits in the middle of the chain: shapes <- stats <- report <- cmd/demo.
      const file = path.join(tree, "stats", "stats.go");
      fs.appendFileSync(file, "\n// Changed between two runners.\nfunc changedByTheTest() int { return 42 }\n");
      const c = await runRemote(sandbox, args, newRunner(server.url, tree));
      expectSuccess(c);
      console.info(warmLine("changed tree C", c));
      // cmd/demo is compiled as package main.
      expect(compiledPackages(c.stderr).sort()).toEqual(["example.com/gomod/report", "example.com/gomod/stats", "main"]);
      expect(c.stats.warmUsed).toBeGreaterThan(100);
      const plain = sandbox.file("demo-plain");
      const goCache = execFileSync("go", ["env", "GOCACHE"], {
        encoding: "utf8",
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" },
      }).trim();
      const reference = await sandbox.run(["build", "-o", plain, "./cmd/demo"], { goCache, cacheprog: false, cwd: tree });
      expectSuccess(reference);
      expect(fs.readFileSync(path.join(bin, "demo")).equals(fs.readFileSync(plain)), "C's demo differs from plain go's").toBe(true);
    } finally {
      await server.close();
    }
  });

  it.each(["cut", "truncate", "corrupt"] as const)("a prefetch stream that breaks (%s) still gives a correct build", async (fault) => {
    const server = await startCacheServer();
    const proxy = await startFaultProxy(server.url, { prefetchFault: fault, prefetchAfterBytes: 3 << 20 });
    try {
      const key = { GOCACHEPROG_KEY: `fault-${fault}` };
      const a = await runRemote(sandbox, ["build", "-x", "./..."], {
        ...newRunner(server.url),
        env: remoteEnv(server.url, undefined, key),
      });
      expectSuccess(a);
      const bin = sandbox.dir("bin");
      const b = await runRemote(sandbox, ["build", "-x", "-o", `${bin}${path.sep}`, "./..."], {
        ...newRunner(proxy.url),
        env: remoteEnv(proxy.url, undefined, key),
      });
      expectSuccess(b);
      console.info(warmLine(`stream ${fault}`, b));
      expect(proxy.counts.prefetchFaults).toBe(1);
      // No compile count here: what the stream did not bring goes through per-entry lookups, and on a
      // busy machine one of those may time out into a miss (a compile), which is correct behaviour too.
      expect(b.stats.warmEntries).toBeGreaterThan(0);
      // What the stream did not bring intact came through per-entry lookups.
      expect(b.stats.remoteGets).toBeGreaterThan(0);
      const reference = await referenceDemo(sandbox);
      expect(fs.readFileSync(path.join(bin, "demo")).equals(reference.binary)).toBe(true);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
