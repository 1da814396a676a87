import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ClientStats,
  compiledPackages,
  countCompileActions,
  countLinkActions,
  countVetActions,
  type GoResult,
  GoSandbox,
} from "./harness/go.ts";
import { gomod, okLines } from "./harness/gomod.ts";

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

function expectSuccess(result: GoResult): void {
  expect(result.code, `go failed:\n${result.stderr}`).toBe(0);
}

interface ColdBuild {
  clientDir: string;
  result: GoResult;
  stats: ClientStats;
}

let coldBuild: Promise<ColdBuild> | undefined;

/** One cold `go build -x ./...` into an empty client dir, shared by the tests that need a populated dir. */
function coldBuildOnce(): Promise<ColdBuild> {
  coldBuild ??= (async () => {
    const clientDir = sandbox.dir("client-seed");
    const { stats, ...result } = await sandbox.runWithStats(["build", "-x", "./..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(result);
    return { clientDir, result, stats };
  })();
  return coldBuild;
}

/** A private copy of the cold-built client dir, so no test sees another test's puts. */
async function populatedClientDir(): Promise<string> {
  const { clientDir } = await coldBuildOnce();
  const copy = sandbox.dir("client");
  fs.cpSync(clientDir, copy, { recursive: true, preserveTimestamps: true });
  return copy;
}

describe("local disk tier with the real go command", () => {
  it("rebuilds with a brand-new GOCACHE and the same client dir without compiling anything", async () => {
    const cold = await coldBuildOnce();
    const coldCompiles = countCompileActions(cold.result.stderr);
    expect(coldCompiles).toBeGreaterThan(0);
    expect(cold.stats.puts).toBeGreaterThan(0);

    const clientDir = await populatedClientDir();
    const warm = await sandbox.runWithStats(["build", "-x", "./..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(warm);
    expect(countCompileActions(warm.stderr), `compiled ${compiledPackages(warm.stderr)}`).toBe(0);
    // go looks up the link action of cmd/demo but never stores linked binaries in a cacheprog,
    // so exactly one get per link is a miss; every other get must hit.
    const links = countLinkActions(warm.stderr);
    expect(links).toBe(1);
    expect(warm.stats.gets).toBeGreaterThan(0);
    expect(warm.stats.misses).toBe(links);
    expect(warm.stats.hits).toBe(warm.stats.gets - links);

    // Without a main package there is nothing to link: every single get is a hit.
    const libs = await sandbox.runWithStats(["build", "-x", ...gomod.libraries], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(libs);
    expect(countCompileActions(libs.stderr), `compiled ${compiledPackages(libs.stderr)}`).toBe(0);
    expect(libs.stats.gets).toBeGreaterThan(0);
    expect(libs.stats.misses).toBe(0);
    expect(libs.stats.hits).toBe(libs.stats.gets);

    console.info(
      `compiles cold ${coldCompiles} / warm 0; cold gets ${cold.stats.gets} (hits ${cold.stats.hits}) puts ${cold.stats.puts}; ` +
        `warm gets ${warm.stats.gets} hits ${warm.stats.hits} puts ${warm.stats.puts}; libs gets ${libs.stats.gets} hits ${libs.stats.hits}`,
    );
  });

  it("serves every test result as (cached) on the second go test, even with a brand-new GOCACHE", async () => {
    const clientDir = await populatedClientDir();
    const first = await sandbox.run(["test", "./..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(first);
    const firstOk = okLines(first.stdout);
    expect(firstOk.map((line) => line.split("\t")[1]).sort()).toEqual(gomod.testedPackages);
    expect(firstOk.filter((line) => line.includes("(cached)"))).toEqual([]);

    const second = await sandbox.run(["test", "./..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(second);
    const secondOk = okLines(second.stdout);
    expect(secondOk.map((line) => line.split("\t")[1]).sort()).toEqual(gomod.testedPackages);
    expect(secondOk.filter((line) => !line.includes("(cached)"))).toEqual([]);
  });

  it("re-runs tests after go clean -testcache, which needs the original put Time from gets", async () => {
    const clientDir = await populatedClientDir();
    const goCache = sandbox.dir("gocache");
    expectSuccess(await sandbox.run(["test", "./..."], { goCache, clientDir }));
    const cached = await sandbox.run(["test", "./..."], { goCache, clientDir });
    expectSuccess(cached);
    expect(okLines(cached.stdout).filter((line) => !line.includes("(cached)"))).toEqual([]);

    expectSuccess(await sandbox.run(["clean", "-testcache"], { goCache, clientDir }));
    const rerun = await sandbox.run(["test", "./..."], { goCache, clientDir });
    expectSuccess(rerun);
    const rerunOk = okLines(rerun.stdout);
    expect(rerunOk).toHaveLength(gomod.testedPackages.length);
    expect(rerunOk.filter((line) => line.includes("(cached)"))).toEqual([]);
  });

  it("leaves go list -export and -compiled paths on disk after go exits", async () => {
    const clientDir = await populatedClientDir();
    // container/ring was never built into this client dir, so its export file comes from a put, the rest from gets.
    const list = await sandbox.run(["list", "-export", "-f", "{{.ImportPath}}\t{{.Export}}", "./...", "container/ring"], {
      goCache: sandbox.dir("gocache"),
      clientDir,
    });
    expectSuccess(list);
    const rows = list.stdout.trim().split("\n");
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      const [importPath, exportPath = ""] = row.split("\t");
      expect(exportPath, `${importPath} has no Export`).not.toBe("");
      expect(path.isAbsolute(exportPath)).toBe(true);
      // go/packages filters files by extension, so a DiskPath must have none.
      expect(path.extname(exportPath), exportPath).toBe("");
      expect(exportPath.startsWith(clientDir + path.sep), `${exportPath} is not in the client dir`).toBe(true);
      const head = Buffer.alloc(8);
      const fd = fs.openSync(exportPath, "r");
      fs.readSync(fd, head, 0, 8, 0);
      fs.closeSync(fd);
      expect(head.toString("latin1"), `${importPath}: ${exportPath} is not a Go archive`).toBe("!<arch>\n");
    }

    // cgo's generated Go files are cached outputs too; tools read them after go exits.
    const compiled = await sandbox.run(["list", "-compiled", "-f", '{{join .CompiledGoFiles "\\n"}}', "./cmath"], {
      goCache: sandbox.dir("gocache"),
      clientDir,
    });
    expectSuccess(compiled);
    const files = compiled.stdout.trim().split("\n");
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      expect(fs.readFileSync(file, "utf8"), file).toMatch(/^(\/\/|package )/m);
    }
  });

  it("runs go vet and go run through the client", async () => {
    const clientDir = await populatedClientDir();
    const firstVet = await sandbox.run(["vet", "-x", "./..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(firstVet);
    expect(countVetActions(firstVet.stderr)).toBeGreaterThan(gomod.packageCount);
    // With a brand-new GOCACHE, the dependencies' vet facts can only come from the client. (Go 1.26
    // serves the root packages' vet results from the cache too; older go re-vets those roots.)
    const secondVet = await sandbox.run(["vet", "-x", "./..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(secondVet);
    expect(countVetActions(secondVet.stderr)).toBeLessThanOrEqual(gomod.packageCount);

    const run = await sandbox.run(["run", "./cmd/..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(run);
    expect(run.stdout).toBe(gomod.demoOutput);
  });
});
