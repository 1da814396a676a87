import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientBin, goModDir } from "./harness/bins.ts";
import { type GoResult, GoSandbox } from "./harness/go.ts";
import { gomod, okLines } from "./harness/gomod.ts";
import { remoteEnv } from "./harness/runners.ts";
import { type CacheServer, newToken, startCacheServer } from "./harness/server.ts";

/**
 * Issue 17: go caches a test result under the size and mtime of every file the test opened
 * (report's TestRenderGolden reads testdata/golden.txt), so a fresh checkout misses it however full the
 * shared cache is, unless `gocacheprog canonicalize-mtimes` gives the files content-derived mtimes.
 * Every runner is a new machine (new GOCACHE and client dir) with a fresh copy of test/gomod at the
 * same path, as CI checks out at the same path on every runner; only the server is shared.
 */

const sandbox = GoSandbox.create();
const checkout = path.join(sandbox.root, "checkout");
const golden = path.join(checkout, "report", "testdata", "golden.txt");
const REPORT = "example.com/gomod/report";
const token = newToken();
let server: CacheServer;

beforeAll(async () => {
  server = await startCacheServer({ tokens: [{ token, scope: "read-write" }] });
});
afterAll(async () => {
  await server?.close();
  sandbox.remove();
});

/** A fresh checkout: the module copied anew, every file with the given mtime (a clone's "now"). */
function freshCheckout(mtime: Date): void {
  fs.rmSync(checkout, { recursive: true, force: true });
  fs.cpSync(goModDir, checkout, { recursive: true });
  for (const entry of fs.readdirSync(checkout, { recursive: true, withFileTypes: true })) {
    fs.utimesSync(path.join(entry.parentPath, entry.name), mtime, mtime);
  }
  fs.utimesSync(checkout, mtime, mtime);
}

function canonicalize(): string {
  const run = spawnSync(clientBin, ["canonicalize-mtimes", checkout], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

async function goTest(label: string): Promise<{ cached: string[]; ran: string[] }> {
  const result: GoResult = await sandbox.run(["test", "./..."], {
    cwd: checkout,
    goCache: sandbox.dir(`${label}-gocache`),
    clientDir: sandbox.dir(`${label}-client`),
    env: remoteEnv(server.url, token),
  });
  expect(result.code, `go test (${label}) failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  const ok = okLines(result.stdout);
  const pkg = (line: string) => line.split("\t")[1] as string;
  expect(ok.map(pkg).sort()).toEqual(gomod.testedPackages);
  return { cached: ok.filter((l) => l.includes("(cached)")).map(pkg), ran: ok.filter((l) => !l.includes("(cached)")).map(pkg) };
}

describe("go test results across fresh checkouts (canonicalize-mtimes)", () => {
  it("a fresh checkout re-runs a testdata test unless canonicalized; canonicalized, every package is (cached)", async () => {
    // Runner A: a checkout, canonicalized, tested; its results go to the server.
    freshCheckout(new Date());
    expect(canonicalize()).toMatch(/^gocacheprog canonicalize-mtimes: \d+ files .* found walking the tree in .* 0 skipped; [\d.]+ s\n$/);
    const a = await goTest("a");
    expect(a.cached).toEqual([]);

    // Runner B: a checkout made an hour ago (old enough for go to cache), not canonicalized: the
    // packages whose tests open no file hit, report's testdata test runs again.
    freshCheckout(new Date(Date.now() - 3600_000));
    const b = await goTest("b");
    expect(b.ran).toEqual([REPORT]);
    expect(b.cached.sort()).toEqual(gomod.testedPackages.filter((p) => p !== REPORT));

    // Runner C: another fresh checkout, canonicalized: nothing runs.
    freshCheckout(new Date());
    canonicalize();
    const c = await goTest("c");
    expect(c.ran).toEqual([]);

    // Runner D: the golden file changed at the same size; canonical mtimes must not hide it.
    freshCheckout(new Date());
    const before = fs.readFileSync(golden, "utf8");
    const after = before.replace("# note: a", "# note: b");
    expect(after.length).toBe(before.length);
    fs.writeFileSync(golden, after);
    canonicalize();
    const d = await goTest("d");
    expect(d.ran).toEqual([REPORT]);
  });
});
