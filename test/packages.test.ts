// The two npm packages as a user gets them: `npm pack` of each workspace, `npm install` of the tarballs into
// an empty directory (no workspace, no repository around it), then the installed bins: `--version`,
// `npx gocacheprog-server` on its embedded default, and real go builds of test/gomod through the
// installed `gocacheprog` against that server.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./harness/bins.ts";
import { hasExited, type SpawnedServer, waitUntil } from "./harness/child-server.ts";
import { countCompileActions, GoSandbox, readStats } from "./harness/go.ts";
import { getFreePort } from "./harness/ports.ts";
import { removeScratch } from "./harness/scratch.ts";

const work = mkdtempSync(join(tmpdir(), "gcp-packages-"));
const app = join(work, "app");
const sandbox = GoSandbox.create();
let server: ChildProcess | undefined;

interface PackResult {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** npm as a user runs it: none of the npm_* settings the surrounding `npm test` put into the environment. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

function npm(args: string[], cwd: string): string {
  const run = spawnSync("npm", args, { cwd, env: npmEnv(), encoding: "utf8", timeout: 240_000 });
  if (run.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

let packed: PackResult[] = [];
const tarball = (name: string) => packed.find((p) => p.name === name) as PackResult;
const installedManifest = (name: string) =>
  JSON.parse(readFileSync(join(app, "node_modules", name, "package.json"), "utf8")) as Record<string, Record<string, string>>;

beforeAll(() => {
  packed = JSON.parse(npm(["pack", "-w", "gocacheprog", "-w", "gocacheprog-server", "--pack-destination", work, "--json"], repoRoot));
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{ "private": true }\n');
  // The server's third-party dependencies come from the registry (from npm's cache when it has them).
  npm(["install", "--no-audit", "--no-fund", "--prefer-offline", ...packed.map((p) => join(work, p.filename))], app);
});

afterAll(async () => {
  if (server?.pid !== undefined && !hasExited(server)) {
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    process.kill(-server.pid, "SIGTERM");
    await exited;
  }
  removeScratch(work);
  rmSync(sandbox.root, { recursive: true, force: true });
});

describe("npm pack tarballs", () => {
  it("hold the bins, the license and no workspace dependency", () => {
    // zstd.wasm: the codec the bundle loads where node:zlib has no zstd (Node before 22.15); client.cjs:
    // the bundle, which the bin (gocacheprog.cjs) requires once Node's compile cache is on.
    expect(
      tarball("gocacheprog")
        .files.map((f) => f.path)
        .sort(),
    ).toEqual(["LICENSE", "README.md", "dist/client.cjs", "dist/gocacheprog.cjs", "dist/zstd.wasm", "package.json"]);
    expect(tarball("gocacheprog-server").files.map((f) => f.path)).toEqual(
      expect.arrayContaining(["LICENSE", "README.md", "dist/main.js", "openapi.yaml", "package.json"]),
    );
    const license = readFileSync(join(repoRoot, "LICENSE"), "utf8");
    for (const name of ["gocacheprog", "gocacheprog-server"]) {
      const manifest = installedManifest(name);
      expect(manifest["license"]).toBe("Apache-2.0");
      expect(manifest["engines"]).toEqual({ node: ">=20.19" });
      // Private workspaces are bundled at build time; a user's npm could never resolve them.
      expect(Object.keys(manifest["dependencies"] ?? {}).filter((d) => d.startsWith("@gocacheprog/"))).toEqual([]);
      expect(readFileSync(join(app, "node_modules", name, "LICENSE"), "utf8")).toBe(license);
    }
    // One self-contained file: the client has no runtime dependency at all.
    expect(installedManifest("gocacheprog")["dependencies"]).toBeUndefined();
  });
});

describe("installed packages in an empty directory", () => {
  const bin = join(app, "node_modules/.bin/gocacheprog");

  it("both bins print their version and exit", () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, "packages/server/package.json"), "utf8")) as { version: string }).version;
    const client = spawnSync(bin, ["--version"], { cwd: app, encoding: "utf8" });
    expect(client.stdout).toBe(`gocacheprog ${version}\n`);
    // `--` keeps npx from reading --version as its own flag.
    const viaNpx = spawnSync("npx", ["--no", "--", "gocacheprog-server", "--version"], {
      cwd: app,
      env: npmEnv(),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(viaNpx.status, viaNpx.stderr).toBe(0);
    expect(viaNpx.stdout).toBe(`gocacheprog-server ${version}\n`);
  });

  it("npx gocacheprog-server serves the embedded default; go builds through the installed client share it", async () => {
    const port = await getFreePort();
    const url = `http://127.0.0.1:${port}`;
    // Its own process group: npx runs the bin through a shell and does not pass SIGTERM on.
    server = spawn("npx", ["--no", "--", "gocacheprog-server", "--listen", `127.0.0.1:${port}`, "--data-dir", join(work, "data")], {
      cwd: app,
      env: { ...npmEnv(), HOME: work },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-8192);
    };
    server.stdout?.on("data", keep);
    server.stderr?.on("data", keep);
    const spawned: SpawnedServer = { child: server, output: () => output };
    await waitUntil("npx gocacheprog-server", spawned, async () => (await fetch(`${url}/readyz`)).ok, 60_000);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: "ready", blobStore: "filesystem", index: "embedded" });

    // A PUT then GET of an output too big to live inline in the index record.
    const body = randomBytes(64 * 1024);
    const action = randomBytes(32).toString("hex");
    const put = await fetch(`${url}/v1/actions/${action}`, {
      method: "PUT",
      headers: { "x-gocacheprog-output-id": createHash("sha256").update(body).digest("hex"), "content-length": String(body.length) },
      body,
    });
    expect(put.status).toBe(201);
    const get = await fetch(`${url}/v1/actions/${action}`);
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer()).equals(body)).toBe(true);

    const build = async (label: string) => {
      const statsFile = sandbox.file(`${label}-stats`);
      const result = await sandbox.run(["build", "-x", "./..."], {
        goCache: sandbox.dir(`${label}-gocache`),
        clientDir: sandbox.dir(`${label}-client`),
        statsFile,
        env: { GOCACHEPROG: bin, GOCACHEPROG_URL: url },
      });
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      return { compiles: countCompileActions(result.stderr), stats: readStats(statsFile) };
    };
    const cold = await build("cold");
    expect(cold.compiles).toBeGreaterThan(0);
    expect(cold.stats["uploads"]).toBeGreaterThan(0);
    // A new machine: fresh GOCACHE and client directory, everything from the server.
    const fresh = await build("fresh");
    expect(fresh.compiles).toBe(0);
    expect(fresh.stats["remoteHits"]).toBeGreaterThan(0);
  });
});
