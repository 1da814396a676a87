import fs from "node:fs";
import path from "node:path";
import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GoResult, GoSandbox } from "./harness/go.ts";
import { gomod, okLines } from "./harness/gomod.ts";
import { copyDir, describeRun, type RemoteStats, remoteEnv, runRemote, stdlibClientDir } from "./harness/runners.ts";
import { type CacheServer, newToken, startCacheServer } from "./harness/server.ts";

const sandbox = GoSandbox.create();
const writerToken = newToken();
const readerToken = newToken();
let server: CacheServer;
let stdlibDir: string;

beforeAll(async () => {
  stdlibDir = await stdlibClientDir(sandbox);
  server = await startCacheServer({
    tokens: [
      { token: writerToken, scope: "read-write" },
      { token: readerToken, scope: "read" },
    ],
  });
  // The module's packages are on the server; its tests are not, so a `go test` runner has puts to make.
  const writer = await runRemote(sandbox, ["build", "./..."], runner(writerToken));
  console.info(describeRun("writer go build", writer));
  expect(writer.code, writer.stderr).toBe(0);
  expect(writer.stats.uploads).toBeGreaterThan(0);
});

afterAll(async () => {
  await server?.close();
  sandbox.remove();
});

function runner(token: string, extra: Record<string, string> = {}) {
  return { goCache: sandbox.dir("gocache"), clientDir: copyDir(sandbox, stdlibDir), env: remoteEnv(server.url, token, extra) };
}

/**
 * Everything the server holds or has accepted: stored files, accepted puts, upload requests (PUTs,
 * and POSTs of batches of small outputs) and those refused as read-only.
 */
async function serverState() {
  const blobs = path.join(server.dataDir, "blobs");
  const files = fs.existsSync(blobs) ? fs.readdirSync(blobs, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;
  return {
    files,
    accepted: await server.metric("gocacheprog_puts_total"),
    putRequests:
      (await server.metric("gocacheprog_http_requests_total", { method: "PUT" })) +
      (await server.metric("gocacheprog_http_requests_total", { route: routes.batchUpload })),
    forbidden:
      (await server.metric("gocacheprog_http_requests_total", { method: "PUT", status: "403" })) +
      (await server.metric("gocacheprog_http_requests_total", { route: routes.batchUpload, status: "403" })),
  };
}

async function goTest(label: string, options: ReturnType<typeof runner>): Promise<GoResult & { stats: RemoteStats }> {
  const run = await runRemote(sandbox, ["test", "./..."], options);
  console.info(describeRun(label, run));
  expect(run.code, `go test failed:\n${run.stderr}`).toBe(0);
  const ok = okLines(run.stdout);
  expect(ok.map((line) => line.split("\t")[1]).sort()).toEqual(gomod.testedPackages);
  expect(ok.filter((line) => line.includes("(cached)"))).toEqual([]);
  // The packages under test came from the server; the test builds and results are new puts.
  expect(run.stats.remoteHits).toBeGreaterThan(0);
  expect(run.stats.puts).toBeGreaterThan(0);
  return run;
}

describe("runners that may only read the remote cache", () => {
  it("a read-scope token: gets hit, puts stay local and the server stores nothing", async () => {
    const before = await serverState();
    const run = await goTest("read token go test", runner(readerToken));
    expect(run.stats.uploads).toBe(0);
    expect(run.stats.uploadBytes).toBe(0);
    const after = await serverState();
    expect(after.forbidden, "the server never refused an upload: was one even tried?").toBeGreaterThan(before.forbidden);
    expect({ files: after.files, accepted: after.accepted }).toEqual({ files: before.files, accepted: before.accepted });
  });

  it("GOCACHEPROG_READONLY=1 with a read-write token sends no PUT at all", async () => {
    const before = await serverState();
    const run = await goTest("readonly go test", runner(writerToken, { GOCACHEPROG_READONLY: "1" }));
    expect(run.stats.uploads + run.stats.uploadErrors + run.stats.uploadsDropped).toBe(0);
    expect(await serverState()).toEqual(before);
  });

  it("the same go test with the read-write token does upload (the control for both)", async () => {
    const before = await serverState();
    const run = await goTest("read-write go test", runner(writerToken));
    expect(run.stats.uploads).toBeGreaterThan(0);
    const after = await serverState();
    expect(after.accepted - before.accepted).toBe(run.stats.uploads + run.stats.uploadsSkipped);
    expect(after.files).toBeGreaterThan(before.files);
  });
});
