import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./harness/fault-proxy.ts";
import { compiledPackages, countCompileActions, countLinkActions, type GoRunOptions, GoSandbox } from "./harness/go.ts";
import { getFreePort } from "./harness/ports.ts";
import {
  buildDemo,
  copyDir,
  type DemoBuild,
  describeRun,
  type Reference,
  referenceDemo,
  remoteEnv,
  stdlibClientDir,
  waitFor,
} from "./harness/runners.ts";
import { type CacheServer, startCacheServer } from "./harness/server.ts";

// Every runner starts from a client dir that already holds the standard library, so the remote
// serves (or fails to serve) the module's own outputs and a fault costs a few small compiles.
const sandbox = GoSandbox.create();
let server: CacheServer;
let stdlibDir: string;
let reference: Reference;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  reference = await referenceDemo(sandbox);
  stdlibDir = await stdlibClientDir(sandbox);
  server = await startCacheServer();
  const seed = await demo("seed", runner(server.url));
  expectCorrect(seed);
  expect(seed.stats.uploads, "the seed runner uploaded nothing").toBeGreaterThan(0);
});

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await server?.close();
  sandbox.remove();
});

let runners = 0;

/**
 * A fresh runner under a build key of its own: no manifest, so every entry is a lookup of its own, the
 * path these faults are injected into (the warm-start stream's faults: test/warm-start.test.ts).
 */
function runner(url: string, extra: Record<string, string> = {}) {
  const env = remoteEnv(url, undefined, { GOCACHEPROG_KEY: `faults-runner-${++runners}`, ...extra });
  return { goCache: sandbox.dir("gocache"), clientDir: copyDir(sandbox, stdlibDir), env };
}

async function proxy(plan: Parameters<typeof startFaultProxy>[1], upstream = server.url): Promise<FaultProxy> {
  const started = await startFaultProxy(upstream, plan);
  proxies.push(started);
  return started;
}

async function demo(label: string, options: GoRunOptions): Promise<DemoBuild> {
  const build = await buildDemo(sandbox, options);
  console.info(describeRun(label, build));
  return build;
}

function expectCorrect(build: DemoBuild): void {
  expect(build.code, `go build failed:\n${build.stderr}`).toBe(0);
  expect(build.printed).toBe(reference.printed);
  expect(build.binary?.equals(reference.binary), "the binary differs from the plain go build").toBe(true);
}

/** Whether `promise` has settled yet: a fault injected "during a build" must really land during it. */
function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  const markDone = () => {
    done = true;
  };
  promise.then(markDone, markDone);
  return () => done;
}

/** The client reports an outage once on stderr, not once per request. */
function breakerWarnings(stderr: string): number {
  return stderr.match(/^gocacheprog: warn: .*keeps failing/gm)?.length ?? 0;
}

describe("builds through a misbehaving remote still succeed with correct output", () => {
  it("warm path: a fresh runner gets every module output from the healthy server", async () => {
    const build = await demo("warm", runner(server.url));
    expectCorrect(build);
    expect(countCompileActions(build.stderr), `compiled ${compiledPackages(build.stderr)}`).toBe(0);
    expect(build.stats.remoteHits).toBeGreaterThan(0);
    expect(build.stats.misses).toBe(countLinkActions(build.stderr));
  });

  it("survives 500s on half of the requests, using the replies that did succeed", async () => {
    const faulty = await proxy({ errorEvery: 2 });
    const build = await demo("500s", runner(faulty.url));
    expectCorrect(build);
    expect(faulty.counts.errors).toBeGreaterThan(0);
    expect(build.stats.remoteErrors).toBeGreaterThan(0);
    expect(build.stats.remoteHits).toBeGreaterThan(0);
  });

  it("survives replies far slower than the remote timeout", async () => {
    const slow = await proxy({ delayMs: 1500 });
    const build = await demo("slow", runner(slow.url, { GOCACHEPROG_REMOTE_TIMEOUT: "300ms" }));
    expectCorrect(build);
    expect(slow.counts.requests).toBeGreaterThan(0);
    expect(build.stats.remoteErrors).toBeGreaterThan(0);
    expect(build.stats.remoteHits).toBe(0);
    expect(breakerWarnings(build.stderr), build.stderr).toBe(1);
  });

  it("treats corrupted bodies (hash mismatch) as misses and recompiles exactly those", async () => {
    const corrupting = await proxy({ corruptPaths: ["*"] });
    const build = await demo("corrupt", runner(corrupting.url));
    expectCorrect(build);
    expect(corrupting.counts.corrupted).toBeGreaterThan(0);
    expect(build.stats.remoteCorrupt).toBe(corrupting.counts.corrupted);
    expect(build.stats.misses).toBe(countLinkActions(build.stderr) + build.stats.remoteCorrupt);
    expect(countCompileActions(build.stderr)).toBeGreaterThan(0);
  });

  it("builds when the server is unreachable from the start", async () => {
    const nobody = `http://127.0.0.1:${await getFreePort()}`;
    const build = await demo("unreachable", runner(nobody));
    expectCorrect(build);
    expect(build.stats.remoteErrors).toBeGreaterThan(0);
    expect(build.stats.remoteHits).toBe(0);
    expect(build.stats.uploads).toBe(0);
    expect(breakerWarnings(build.stderr), build.stderr).toBe(1);
  });

  it("survives the server being killed in the middle of a build", async () => {
    // The delay spreads the module's lookups over seconds, so the kill lands between them.
    const slowish = await proxy({ delayMs: 100 });
    const hitsBefore = await server.metric("gocacheprog_lookups_total", { result: "hit" });
    const running = demo("killed", runner(slowish.url));
    const finished = settled(running);
    await waitFor("three remote hits", async () => (await server.metric("gocacheprog_lookups_total", { result: "hit" })) >= hitsBefore + 3);
    expect(finished(), "the build ended before the server could be killed").toBe(false);
    await server.kill();
    const build = await running;
    expectCorrect(build);
    expect(build.stats.remoteHits).toBeGreaterThan(0);
    // At least the link action's lookup comes after every compile, so after the kill.
    expect(build.stats.remoteErrors).toBeGreaterThan(0);

    await server.restart();
    const after = await demo("after restart", runner(server.url));
    expectCorrect(after);
    expect(after.stats.remoteHits, "the restarted server lost what it held").toBeGreaterThan(0);
  });
});

describe("s3 + redis storage", () => {
  it("keeps serving from S3 when Redis stops in the middle of a build", async () => {
    const s3redis = await startCacheServer({ storage: "s3-redis", env: { GOCACHEPROG_SERVER_BACKEND_TIMEOUT: "500ms" } });
    try {
      const slowish = await proxy({ delayMs: 100 }, s3redis.url);
      const running = demo("redis writer", runner(slowish.url));
      const finished = settled(running);
      await waitFor("three lookups", async () => (await s3redis.metric("gocacheprog_lookups_total")) >= 3);
      expect(finished(), "the build ended before Redis could be stopped").toBe(false);
      await s3redis.redis?.stop();
      const writer = await running;
      expectCorrect(writer);
      expect(writer.stats.uploads).toBeGreaterThan(0);
      expect((await fetch(`${s3redis.url}/readyz`)).status, "readyz should report the lost index").toBe(503);
      expect((await fetch(`${s3redis.url}/healthz`)).status).toBe(200);

      // Every record also lives in S3, so a new runner still builds from the server with Redis gone.
      const reader = await demo("redis reader", runner(s3redis.url));
      expectCorrect(reader);
      expect(countCompileActions(reader.stderr), `compiled ${compiledPackages(reader.stderr)}`).toBe(0);
      expect(reader.stats.remoteHits).toBeGreaterThan(0);
      expect(reader.stats.misses).toBe(countLinkActions(reader.stderr));
    } finally {
      await s3redis.close();
    }
  });
});
