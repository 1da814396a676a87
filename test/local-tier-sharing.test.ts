import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { compiledPackages, countCompileActions, type GoResult, GoSandbox } from "./harness/go.ts";
import { gomod } from "./harness/gomod.ts";

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

function expectSuccess(result: GoResult): void {
  expect(result.code, `go failed:\n${result.stderr}`).toBe(0);
}

function runBinary(file: string): string {
  return execFileSync(file, { encoding: "utf8" });
}

function expectGoArchive(file: string): void {
  expect(fs.readFileSync(file).subarray(0, 8).toString("latin1"), `${file} is not a Go archive`).toBe("!<arch>\n");
}

describe("local disk tier shared by several go processes", () => {
  it("lets two cold go builds share one client dir at once", { timeout: 600_000 }, async () => {
    const clientDir = sandbox.dir("client");
    const outputs = [sandbox.file("demo"), sandbox.file("demo")];
    const builds = await Promise.all(
      outputs.map((output) => sandbox.run(["build", "-o", output, "./cmd/demo"], { goCache: sandbox.dir("gocache"), clientDir })),
    );
    for (const [i, build] of builds.entries()) {
      expectSuccess(build);
      expect(runBinary(outputs[i]!)).toBe(gomod.demoOutput);
    }
    expect(fs.readFileSync(outputs[0]!).equals(fs.readFileSync(outputs[1]!))).toBe(true);

    // Whatever the racing puts left behind must be whole: a rebuild from it compiles nothing.
    const rebuild = await sandbox.runWithStats(["build", "-x", "./..."], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(rebuild);
    expect(countCompileActions(rebuild.stderr), `compiled ${compiledPackages(rebuild.stderr)}`).toBe(0);
  });

  it.each([
    ["", (dir: string) => dir],
    // go compares DiskPaths with GOCACHE as spelled (strings.HasPrefix): a normalised default would be moved.
    [" spelled with a doubled separator", (dir: string) => dir.replace(/\/(?=[^/]+$)/, "//")],
  ])("keeps hitting after go build -o x.a of a library, with the default client dir under GOCACHE%s", async (_, spell) => {
    // GOCACHEPROG_DIR unset: the client's default lives under GOCACHE, so go copies hits out instead of moving them.
    const goCache = spell(sandbox.dir("gocache"));
    expectSuccess(await sandbox.run(["build", "./stats"], { goCache }));
    const archive = sandbox.file("stats.a");
    expectSuccess(await sandbox.run(["build", "-o", archive, "./stats"], { goCache }));
    expectGoArchive(archive);

    const next = await sandbox.runWithStats(["build", "-x", "./stats"], { goCache });
    expectSuccess(next);
    expect(countCompileActions(next.stderr), `compiled ${compiledPackages(next.stderr)}`).toBe(0);
    expect(next.stats.misses).toBe(0);
    expect(next.stats.hits).toBe(next.stats.gets);
  });

  it("recovers when go moves a cached archive out of a client dir outside GOCACHE", async () => {
    // Outside GOCACHE, go renames the cached archive to x.a: the client must see a miss, not fail the build.
    const clientDir = sandbox.dir("client");
    const goCache = sandbox.dir("gocache");
    expectSuccess(await sandbox.run(["build", "./stats"], { goCache, clientDir }));
    const archive = sandbox.file("stats.a");
    expectSuccess(await sandbox.run(["build", "-o", archive, "./stats"], { goCache, clientDir }));
    expectGoArchive(archive);

    const rebuild = await sandbox.run(["build", "-x", "./stats"], { goCache, clientDir });
    expectSuccess(rebuild);
    expect(countCompileActions(rebuild.stderr)).toBe(1);
    const healed = await sandbox.runWithStats(["build", "-x", "./stats"], { goCache, clientDir });
    expectSuccess(healed);
    expect(countCompileActions(healed.stderr), `compiled ${compiledPackages(healed.stderr)}`).toBe(0);
    expect(healed.stats.misses).toBe(0);
  });

  it("builds the same binary with no GOCACHEPROG, through a cold client and through a warm one", async () => {
    const plain = sandbox.file("demo-plain");
    expectSuccess(await sandbox.run(["build", "-o", plain, "./cmd/demo"], { goCache: sandbox.dir("gocache"), cacheprog: false }));

    const clientDir = sandbox.dir("client");
    const cold = sandbox.file("demo-cold");
    expectSuccess(await sandbox.run(["build", "-o", cold, "./cmd/demo"], { goCache: sandbox.dir("gocache"), clientDir }));
    const warm = sandbox.file("demo-warm");
    const warmBuild = await sandbox.run(["build", "-x", "-o", warm, "./cmd/demo"], { goCache: sandbox.dir("gocache"), clientDir });
    expectSuccess(warmBuild);
    expect(countCompileActions(warmBuild.stderr), `compiled ${compiledPackages(warmBuild.stderr)}`).toBe(0);

    for (const binary of [plain, cold, warm]) expect(runBinary(binary), binary).toBe(gomod.demoOutput);
    // Go builds are reproducible, so archives served by the client must link into identical bytes.
    const plainBytes = fs.readFileSync(plain);
    expect(fs.readFileSync(cold).equals(plainBytes)).toBe(true);
    expect(fs.readFileSync(warm).equals(plainBytes)).toBe(true);
  });
});
