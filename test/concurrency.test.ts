import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compiledPackages, countCompileActions, countLinkActions, GoSandbox } from "./harness/go.ts";
import { buildDemo, type DemoBuild, describeRun, type Reference, referenceDemo, remoteEnv } from "./harness/runners.ts";
import { type CacheServer, startCacheServer } from "./harness/server.ts";

const sandbox = GoSandbox.create();
let server: CacheServer;
let reference: Reference;

beforeAll(async () => {
  reference = await referenceDemo(sandbox);
  server = await startCacheServer();
});
afterAll(async () => {
  await server?.close();
  sandbox.remove();
});

function newRunner() {
  return { goCache: sandbox.dir("gocache"), clientDir: sandbox.dir("client"), env: remoteEnv(server.url) };
}

function expectCorrect(build: DemoBuild, label: string): void {
  expect(build.code, `${label}: go build failed:\n${build.stderr}`).toBe(0);
  expect(build.printed, label).toBe(reference.printed);
  expect(build.binary?.equals(reference.binary), `${label}: the binary differs from the plain go build`).toBe(true);
}

describe("runners building at the same time against one server", () => {
  it("lets two cold runners build at once, racing to upload the same outputs", async () => {
    const builds = await Promise.all([buildDemo(sandbox, newRunner()), buildDemo(sandbox, newRunner())]);
    for (const [i, build] of builds.entries()) {
      console.info(describeRun(`cold runner ${i}`, build));
      expectCorrect(build, `runner ${i}`);
      expect(build.stats.uploadErrors + build.stats.uploadsDropped, `runner ${i} lost uploads`).toBe(0);
    }
    // Between them they uploaded everything: whichever put won, the server holds whole entries.
    expect(builds[0]!.stats.uploads + builds[1]!.stats.uploads).toBeGreaterThan(0);
  });

  it("serves 8 concurrent go builds on brand-new runners, each compiling nothing", async () => {
    const lookupsBefore = await server.metric("gocacheprog_lookups_total");
    const builds = await Promise.all(Array.from({ length: 8 }, () => buildDemo(sandbox, newRunner())));
    for (const [i, build] of builds.entries()) {
      console.info(describeRun(`warm runner ${i}`, build));
      expectCorrect(build, `runner ${i}`);
      expect(countCompileActions(build.stderr), `runner ${i} compiled ${compiledPackages(build.stderr)}`).toBe(0);
      expect(build.stats.localHits).toBe(0);
      expect(build.stats.remoteErrors).toBe(0);
      expect(build.stats.misses).toBe(countLinkActions(build.stderr));
    }
    expect(builds.every((build) => build.stats.remoteHits > 0)).toBe(true);
    // Every lookup a client counted reached the server: none was lost to the load.
    const remoteGets = builds.reduce((sum, build) => sum + build.stats.remoteGets, 0);
    expect(await server.metric("gocacheprog_lookups_total")).toBe(lookupsBefore + remoteGets);
  });
});
