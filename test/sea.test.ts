// The single-file client (dist/gocacheprog, a Node SEA) driving real go builds with no node on PATH,
// as in a golang container: local tier, remote tier against a real server, and an unreachable server.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientBin, goModDir, repoRoot, serverMain } from "./harness/bins.ts";
import { type SpawnedServer, spawnServer, stopProcess, waitUntil } from "./harness/child-server.ts";
import { getFreePort } from "./harness/ports.ts";
import { removeScratch } from "./harness/scratch.ts";
import { instructions, readDockerfile, type Stage } from "./infra/files.ts";

const exe = join(repoRoot, "dist/gocacheprog");
const work = mkdtempSync(join(tmpdir(), "gcp-sea-"));
const noNodeBin = join(work, "bin");
const token = "sea-test-token-0123456789abcdef";
const tokenFile = join(work, "token");
let server: SpawnedServer | undefined;

function findOnPath(command: string, path: string): string | undefined {
  return path
    .split(":")
    .map((dir) => join(dir, command))
    .find((candidate) => existsSync(candidate));
}

/** The Node runtime the exe is made of (scripts/install-node.sh); its release info names its version. */
const runtime = join(repoRoot, ".tools/node24/bin/node");
function embeddedNodeVersion(file: string): string | undefined {
  return /node-(v\d+\.\d+\.\d+)\.tar\.gz/.exec(readFileSync(file).toString("latin1"))?.[1];
}

/**
 * The exe is rebuilt when missing, older than the bundle it embeds (global setup keeps the bundle fresh), or
 * made of another Node than the pinned runtime.
 */
function ensureExe(): void {
  const install = spawnSync("bash", [join(repoRoot, "scripts/install-node.sh")], { cwd: repoRoot, encoding: "utf8" });
  if (install.status !== 0) throw new Error(`scripts/install-node.sh failed:\n${install.stdout}\n${install.stderr}`);
  const pinned = execFileSync(runtime, ["--version"], { encoding: "utf8" }).trim();
  const fresh = existsSync(exe) && existsSync(clientBin) && statSync(exe).mtimeMs >= statSync(clientBin).mtimeMs;
  if (fresh && embeddedNodeVersion(exe) === pinned) return;
  const [command, args] = existsSync(clientBin)
    ? [process.execPath, [join(repoRoot, "packages/cacheprog-client/scripts/build-exe.mjs")]]
    : ["npm", ["run", "build:exe"]];
  const build = spawnSync(command, args, { cwd: repoRoot, encoding: "utf8" });
  if (build.status !== 0 || !existsSync(exe))
    throw new Error(`building ${exe} failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
}

/** A bin dir with go and the C toolchain that cgo runs (gcc calls as and ld through PATH), and nothing else. */
function makeNoNodeBin(): void {
  mkdirSync(noNodeBin);
  for (const tool of ["go", "gcc", "as", "ld"]) {
    const found = findOnPath(tool, process.env["PATH"] ?? "");
    if (!found) throw new Error(`${tool} is not on PATH; the SEA test needs go and a C toolchain`);
    symlinkSync(found, join(noNodeBin, tool));
  }
}

interface GoRun {
  compiles: number;
  stderr: string;
  stats: { gets: number; hits: number; localHits: number; remoteHits: number; uploads: number };
}

/** `go build -x` of the test module in a fresh GOCACHE; compiles = compile tool invocations. */
function goBuild(name: string, clientEnv: Record<string, string>, packages = "./..."): GoRun {
  const home = join(work, name);
  const statsFile = join(home, "stats.json");
  const result = spawnSync("go", ["build", "-x", packages], {
    cwd: goModDir,
    encoding: "utf8",
    // No inherited environment: what a golang image has, plus the client's settings.
    env: {
      PATH: noNodeBin,
      HOME: home,
      GOCACHE: join(home, "gocache"),
      GOPATH: join(home, "gopath"),
      GOTOOLCHAIN: "local",
      GOPROXY: "off",
      GOFLAGS: "",
      CGO_ENABLED: "1",
      GOCACHEPROG: exe,
      GOCACHEPROG_STATS_FILE: statsFile,
      ...clientEnv,
    },
  });
  if (result.status !== 0) throw new Error(`go build (${name}) failed with ${result.status}:\n${result.stderr}`);
  const compiles = result.stderr.split("\n").filter((line) => /\/compile\s/.test(line)).length;
  return { compiles, stderr: result.stderr, stats: JSON.parse(readFileSync(statsFile, "utf8")) };
}

/** Started with node directly, as the server image does, on its own data dir; only the remote tests need it. */
let serverUrl: Promise<string> | undefined;
function sharedServer(): Promise<string> {
  serverUrl ??= startServer();
  return serverUrl;
}

async function startServer(): Promise<string> {
  const port = await getFreePort();
  server = spawnServer(process.execPath, [serverMain, "serve", "--listen", `127.0.0.1:${port}`, "--data-dir", join(work, "server-data")], {
    PATH: process.env["PATH"] ?? "",
    HOME: work,
    GOCACHEPROG_SERVER_TOKENS: `${token} read-write sea`,
    GOCACHEPROG_SERVER_LOG_LEVEL: "warn",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil("gocacheprog-server", server, async () => (await fetch(`${url}/healthz`)).ok);
  return url;
}

beforeAll(() => {
  ensureExe();
  makeNoNodeBin();
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
});

afterAll(async () => {
  if (server) await stopProcess(server.child);
  removeScratch(work);
});

describe("single-file client (Node SEA) in a PATH without node", () => {
  it("has no node reachable, yet runs as GOCACHEPROG", () => {
    expect(findOnPath("node", noNodeBin)).toBeUndefined();
    const probe = spawnSync("/bin/sh", ["-c", "command -v node"], { env: { PATH: noNodeBin } });
    expect(probe.status).not.toBe(0);
    const handshake = spawnSync(exe, [], {
      env: { PATH: noNodeBin, GOCACHEPROG_DIR: join(work, "handshake") },
      input: "",
      encoding: "utf8",
    });
    expect(handshake.stdout.split("\n")[0]).toContain('"KnownCommands"');
  });

  // One cold build feeds both tiers, so the suite pays for a single full compile of the module.
  it("local tier, then remote tier: builds on a fresh GOCACHE compile nothing after one cold build", async () => {
    const remote = { GOCACHEPROG_URL: await sharedServer(), GOCACHEPROG_TOKEN_FILE: tokenFile };
    const clientDir = join(work, "client-a");
    const cold = goBuild("cold", { ...remote, GOCACHEPROG_DIR: clientDir });
    expect(cold.compiles).toBeGreaterThan(0);
    expect(cold.stats.uploads).toBeGreaterThan(0);

    const sameDir = goBuild("same-client-dir", { ...remote, GOCACHEPROG_DIR: clientDir });
    expect(sameDir.compiles).toBe(0);
    expect(sameDir.stats.localHits).toBeGreaterThan(0);
    expect(sameDir.stats.remoteHits).toBe(0);

    const newMachine = goBuild("new-machine", { ...remote, GOCACHEPROG_DIR: join(work, "client-b"), GOCACHEPROG_STATS: "1" });
    expect(newMachine.compiles).toBe(0);
    expect(newMachine.stats.remoteHits).toBeGreaterThan(0);
    expect(newMachine.stats.localHits).toBe(0);
    // The hit rate the CI recipes point at is printed in the build log, the token never is.
    expect(newMachine.stderr).toMatch(/gocacheprog stats: \d+ gets/);
    expect(newMachine.stderr).not.toContain(token);
  });

  it("embeds no path of the machine that built it (the bundle goes in under a bare name)", () => {
    expect(readFileSync(exe).includes(repoRoot)).toBe(false);
  });

  it("is Node 24 LTS, the pinned runtime, whatever node runs the tests", () => {
    const pinned = execFileSync(runtime, ["--version"], { encoding: "utf8" }).trim();
    expect(pinned).toMatch(/^v24\./);
    expect(embeddedNodeVersion(exe)).toBe(pinned);
  });

  it("an unreachable server means an uncached but successful build", async () => {
    const closedPort = await getFreePort();
    const run = goBuild(
      "unreachable",
      {
        GOCACHEPROG_URL: `http://127.0.0.1:${closedPort}`,
        GOCACHEPROG_TOKEN_FILE: tokenFile,
        GOCACHEPROG_DIR: join(work, "unreachable-client"),
        // A small package keeps this all-miss build short: every lookup goes to the dead address.
      },
      "./stats",
    );
    expect(run.compiles).toBeGreaterThan(0);
    expect(run.stats.remoteHits).toBe(0);
  });
});

describe("client image (infra/client.Dockerfile): the executable alone", () => {
  it("runs from an otherwise empty directory with an empty environment, as COPY --from puts it", () => {
    const [image] = readDockerfile("infra/client.Dockerfile") as [Stage];
    const [copy] = instructions(image, "COPY");
    const [source = "", target = ""] = (copy?.args ?? "").split(/\s+/);
    // The release workflow names the exe of this machine's architecture gocacheprog-linux-amd64 (or -arm64).
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile build arg, not a JS template
    expect(source.replace("${TARGETARCH}", process.arch === "x64" ? "amd64" : process.arch)).toMatch(/^gocacheprog-linux-(amd64|arm64)$/);
    const root = join(work, "client-image");
    mkdirSync(root);
    const copied = join(root, target);
    cpSync(exe, copied);
    expect(readdirSync(root)).toEqual([target.replace(/^\//, "")]);
    const version = spawnSync(copied, ["--version"], { cwd: root, env: {}, encoding: "utf8" });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^gocacheprog \d+\.\d+\.\d+/);
    const handshake = spawnSync(copied, [], {
      cwd: root,
      env: { GOCACHEPROG_DIR: join(work, "image-cache") },
      input: "",
      encoding: "utf8",
    });
    expect(handshake.stdout.split("\n")[0]).toContain('"KnownCommands"');
  });
});

describe("examples/docker-build: the Dockerfile's build steps as written, with the exe and no node", () => {
  const exampleDir = join(repoRoot, "examples/docker-build");
  const steps = instructions(readDockerfile("examples/docker-build/Dockerfile").find((s) => s.name === "build") as Stage, "RUN").map(
    (run) => run.args,
  );

  /** One fresh builder: the build stage's RUN lines with the image's paths mapped onto this machine. */
  function dockerBuild(name: string, url: string): GoRun & { out: string } {
    const home = join(work, name);
    const src = join(home, "src");
    const out = join(home, "out");
    cpSync(exampleDir, src, { recursive: true });
    const local = (line: string) =>
      line
        .replaceAll("/usr/local/bin/gocacheprog", exe)
        .replaceAll("/run/secrets/gocacheprog_token", tokenFile)
        .replaceAll("/out/", `${out}/`);
    const env = {
      PATH: noNodeBin,
      HOME: home,
      GOCACHE: join(home, "gocache"),
      GOPATH: join(work, "example-gopath"),
      GOTOOLCHAIN: "local",
      GOFLAGS: "-x -modcacherw",
      GOCACHEPROG_URL: url,
      GOCACHEPROG_STATS_FILE: join(home, "stats.json"),
    };
    let stderr = "";
    for (const step of steps) {
      const run = spawnSync("/bin/sh", ["-c", local(step)], { cwd: src, env, encoding: "utf8" });
      if (run.status !== 0) throw new Error(`RUN ${step} failed with ${run.status}:\n${run.stderr}`);
      stderr += run.stderr;
    }
    const compiles = stderr.split("\n").filter((line) => /\/compile\s/.test(line)).length;
    return { compiles, stderr, stats: JSON.parse(readFileSync(env.GOCACHEPROG_STATS_FILE, "utf8")), out };
  }

  it("builds a working binary, and a second fresh builder compiles nothing", async () => {
    const url = await sharedServer();
    const first = dockerBuild("docker-1", url);
    expect(execFileSync(join(first.out, "hello"), { encoding: "utf8" })).toMatch(/^hello from gocacheprog/);
    expect(first.stderr).toMatch(/gocacheprog stats: \d+ gets/);
    const second = dockerBuild("docker-2", url);
    expect(second.compiles).toBe(0);
    expect(second.stats.remoteHits).toBeGreaterThan(0);
  });
});
