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
function newRunner(url: string, extra: Record<string, string> = {}) {
  return { goCache: sandbox.dir("gocache"), clientDir: sandbox.dir("client"), env: remoteEnv(url, undefined, extra) };
}

/** Deadlines no busy CI machine reaches: this file is about what is served, not how fast. */
const PATIENT = { GOCACHEPROG_REMOTE_TIMEOUT: "60s", GOCACHEPROG_UPLOAD_DRAIN_TIMEOUT: "10m" };

/**
 * Runner A fills the cache: builds and tests everything. What this file asserts is B's side (0
 * compiles, hits); A's uploads are only the precondition. On a busy machine an upload can still time
 * out or be dropped at exit, so A gets generous deadlines and, if any upload was lost anyway, runs
 * again on a fresh machine (remote hits for what arrived, compiles and uploads for what did not)
 * until one run loses none.
 */
async function seedFrom(storage: StorageKind, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const runnerA = newRunner(url, PATIENT);
    const buildA = await runRemote(sandbox, ["build", "-x", "./..."], runnerA);
    console.info(describeRun(`${storage} buildA#${attempt}`, buildA));
    expectSuccess(buildA);
    const testA = await runRemote(sandbox, ["test", "./..."], runnerA);
    console.info(describeRun(`${storage} testA#${attempt}`, testA));
    expectSuccess(testA);
    if (attempt === 1) {
      expect(countCompileActions(buildA.stderr)).toBeGreaterThan(gomod.packageCount);
      expect(buildA.stats.uploadWireBytes, "uploads went in the zstd form").toBeLessThan(buildA.stats.uploadBytes * 0.6);
      // Small outputs went up together: far fewer requests than outputs, every one stored.
      expect(buildA.stats.uploadRequests, "uploads went in batches").toBeLessThan(buildA.stats.uploads / 4);
      expect(okLines(testA.stdout).filter((line) => line.includes("(cached)"))).toEqual([]);
      expect(buildA.stats.uploads + testA.stats.uploads, "runner A uploaded nothing").toBeGreaterThan(0);
    }
    const lost = [buildA, testA].reduce((sum, run) => sum + run.stats.uploadErrors + run.stats.uploadsDropped, 0);
    if (lost === 0) return;
    expect(attempt, `runner A lost ${lost} uploads on each of ${attempt} runs`).toBeLessThan(3);
  }
}

describe.each<StorageKind>(["embedded", "s3-redis"])("a fleet of runners sharing one server (%s storage)", (storage) => {
  it("lets a new runner build and test everything another runner compiled, without compiling", async () => {
    const server = await startCacheServer({ storage });
    try {
      await seedFrom(storage, server.url);
      // Compression end to end: go's archives went up (and are kept) in the zstd form, far smaller.
      const keptZstd = await server.metric("gocacheprog_output_stored_bytes_total", { form: "zstd" });
      expect(keptZstd).toBeGreaterThan(0);
      expect(keptZstd).toBeLessThan((await server.metric("gocacheprog_output_logical_bytes_total", { form: "zstd" })) * 0.6);

      const binDir = sandbox.dir("bin");
      const buildB = await runRemote(sandbox, ["build", "-x", "-o", `${binDir}${path.sep}`, "./..."], newRunner(server.url, PATIENT));
      console.info(describeRun(`${storage} buildB`, buildB));
      expectSuccess(buildB);
      expect(countCompileActions(buildB.stderr), `compiled ${compiledPackages(buildB.stderr)}`).toBe(0);
      expect(buildB.stats.localHits).toBe(0);
      expect(buildB.stats.remoteHits).toBeGreaterThan(0);
      expect(buildB.stats.misses).toBe(countLinkActions(buildB.stderr));
      // ...and came down compressed, decoded by the client into the same bytes (the demo binary below).
      expect(buildB.stats.remoteWireBytes).toBeLessThan(buildB.stats.remoteHitBytes * 0.6);
      const reference = await referenceDemo(sandbox);
      expect(fs.readFileSync(path.join(binDir, "demo")).equals(reference.binary), "runner B's demo differs from plain go's").toBe(true);

      const testB = await runRemote(sandbox, ["test", "-x", "./..."], newRunner(server.url, PATIENT));
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
