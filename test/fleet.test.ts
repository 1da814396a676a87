import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compiledPackages, countCompileActions, countLinkActions, type GoResult, GoSandbox } from "./harness/go.ts";
import { gomod, okLines } from "./harness/gomod.ts";
import { describeRun, referenceDemo, remoteEnv, runRemote } from "./harness/runners.ts";
import { type StorageKind, startCacheServer } from "./harness/server.ts";

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

function expectSuccess(result: GoResult): void {
  expect(result.code, `go failed:\n${result.stderr}`).toBe(0);
}

/** A brand-new machine: nothing in GOCACHE, nothing in the client dir, only the server's URL. */
function newRunner(url: string) {
  return { goCache: sandbox.dir("gocache"), clientDir: sandbox.dir("client"), env: remoteEnv(url) };
}

describe.each<StorageKind>(["embedded", "s3-redis"])("a fleet of runners sharing one server (%s storage)", (storage) => {
  it("lets a new runner build and test everything another runner compiled, without compiling", async () => {
    const server = await startCacheServer({ storage });
    const runnerA = newRunner(server.url);
    try {
      const buildA = await runRemote(sandbox, ["build", "-x", "./..."], runnerA);
      console.info(describeRun(`${storage} buildA`, buildA));
      expectSuccess(buildA);
      expect(countCompileActions(buildA.stderr)).toBeGreaterThan(gomod.packageCount);
      const testA = await runRemote(sandbox, ["test", "./..."], runnerA);
      console.info(describeRun(`${storage} testA`, testA));
      expectSuccess(testA);
      expect(okLines(testA.stdout).filter((line) => line.includes("(cached)"))).toEqual([]);
      for (const run of [buildA, testA]) {
        expect(run.stats.uploads, "runner A uploaded nothing").toBeGreaterThan(0);
        expect(run.stats.uploadErrors + run.stats.uploadsDropped).toBe(0);
      }
      expect(await server.metric("gocacheprog_puts_total")).toBe(
        buildA.stats.uploads + buildA.stats.uploadsSkipped + testA.stats.uploads + testA.stats.uploadsSkipped,
      );

      const binDir = sandbox.dir("bin");
      const buildB = await runRemote(sandbox, ["build", "-x", "-o", `${binDir}${path.sep}`, "./..."], newRunner(server.url));
      console.info(describeRun(`${storage} buildB`, buildB));
      expectSuccess(buildB);
      expect(countCompileActions(buildB.stderr), `compiled ${compiledPackages(buildB.stderr)}`).toBe(0);
      expect(buildB.stats.localHits).toBe(0);
      expect(buildB.stats.remoteHits).toBeGreaterThan(0);
      expect(buildB.stats.misses).toBe(countLinkActions(buildB.stderr));
      const reference = await referenceDemo(sandbox);
      expect(fs.readFileSync(path.join(binDir, "demo")).equals(reference.binary), "runner B's demo differs from plain go's").toBe(true);

      const testB = await runRemote(sandbox, ["test", "-x", "./..."], newRunner(server.url));
      console.info(describeRun(`${storage} testB`, testB));
      expectSuccess(testB);
      const okB = okLines(testB.stdout);
      expect(okB.map((line) => line.split("\t")[1]).sort()).toEqual(gomod.testedPackages);
      expect(okB.filter((line) => !line.includes("(cached)"))).toEqual([]);
      expect(countCompileActions(testB.stderr), `compiled ${compiledPackages(testB.stderr)}`).toBe(0);
      // go test reads each cached test result twice; the second read finds the copy the first one just fetched.
      expect(testB.stats.localHits).toBeLessThanOrEqual(gomod.testedPackages.length);
      expect(testB.stats.remoteHits).toBeGreaterThan(0);
      expect(testB.stats.misses).toBe(countLinkActions(testB.stderr));
    } finally {
      await server.close();
    }
  });
});
