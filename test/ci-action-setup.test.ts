// action/setup.sh run for real with a runner's files faked (GITHUB_ENV, GITHUB_OUTPUT, ...), downloading
// the "release" from a file:// directory, then a real go build (and a go mod download through /gomod)
// with exactly the environment it hands to the job, against a real server.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientBundle, repoRoot } from "./harness/bins.ts";
import { arch, ciWorkspace, makeRelease, recordingClient } from "./harness/ci-runner.ts";
import { countCompileActions, GoSandbox } from "./harness/go.ts";
import { startModuleUpstream } from "./harness/module-upstream.ts";
import { type CacheServer, newToken, startCacheServer } from "./harness/server.ts";
import { startTlsProxy } from "./harness/tls-proxy.ts";

const { work, release, runSetup, remove } = ciWorkspace();
const sandbox = GoSandbox.create();
const token = newToken();
let server: CacheServer;

beforeAll(async () => {
  makeRelease(release, clientBundle);
  server = await startCacheServer({ tokens: [{ token, scope: "read-write", namespace: "ci" }] });
});

afterAll(async () => {
  await server?.close();
  remove();
  rmSync(sandbox.root, { recursive: true, force: true });
});

describe("action/setup.sh", () => {
  const download = { "download-url": `file://${release}`, "canonicalize-mtimes": "false" };

  it("falls back to direct behind the server when go is not on PATH yet (setup-go after the action)", () => {
    // A go that is not there yet: first on PATH, a stand-in that fails as a missing command does.
    const noGo = join(work, "no-go-bin");
    mkdirSync(noGo);
    writeFileSync(join(noGo, "go"), "#!/bin/sh\nexit 127\n", { mode: 0o755 });
    const run = runSetup(
      "no-go",
      { ...download, url: server.url, token, goproxy: "true" },
      { PATH: `${noGo}:${process.env["PATH"] ?? ""}` },
    );
    expect(run.status, run.stdout).toBe(0);
    expect(run.env["GOPROXY"]).toBe(`${server.url}/gomod|direct`);
    expect(run.stdout).toContain("go is not on PATH yet");
  });

  it("installs the checked release asset and hands the job a client, the server, a token file and GOPROXY", async () => {
    const run = runSetup("setup", { ...download, url: `${server.url}/`, token, goproxy: "true" });
    expect(run.status, run.stdout).toBe(0);
    const client = run.env["GOCACHEPROG"] as string;
    expect(run.outputs).toEqual({ path: client, "stats-file": run.env["GOCACHEPROG_STATS_FILE"] });
    expect(readFileSync(join(run.home, "path"), "utf8").trim()).toBe(join(client, ".."));
    expect(run.env["GOCACHEPROG_URL"]).toBe(server.url);
    // The token only in a file of the job's own, masked in the log, never in the environment.
    const tokenFile = run.env["GOCACHEPROG_TOKEN_FILE"] as string;
    expect(readFileSync(tokenFile, "utf8").trim()).toBe(token);
    expect(statSync(tokenFile).mode & 0o077).toBe(0);
    expect(JSON.stringify(run.env)).not.toContain(token);
    expect(run.stdout).toContain(`::add-mask::${token}`);
    expect(run.env["GOPROXY"]).toMatch(new RegExp(`^${server.url}/gomod(\\|.+)?$`));

    // A real go build with the environment the action set, twice: the second machine compiles nothing.
    // One small package: the packages and SEA suites build the whole module.
    const build = async (label: string) => {
      const result = await sandbox.run(["build", "-x", "./stats"], {
        goCache: sandbox.dir(label),
        clientDir: sandbox.dir(`${label}-client`),
        env: run.env,
      });
      expect(result.code, result.stderr.slice(-2000)).toBe(0);
      return countCompileActions(result.stderr);
    };
    expect(await build("first")).toBeGreaterThan(0);
    expect(await build("second")).toBe(0);
    // The summary step at the end of the job: both go commands, in the log and the job summary.
    const stepSummary = join(run.home, "step-summary.md");
    const summary = spawnSync("bash", [join(repoRoot, "summary/summary.sh")], {
      env: { PATH: process.env["PATH"] ?? "", ...run.env, GITHUB_STEP_SUMMARY: stepSummary },
      encoding: "utf8",
    });
    expect(summary.status).toBe(0);
    expect(summary.stdout).toMatch(/^gocacheprog summary: 2 go commands: \d+ lookups/);
    expect(readFileSync(stepSummary, "utf8")).toMatch(/hit rate\*\* over 2 go commands/);
  });

  it("with goproxy and an https server: go fetches a module through /gomod with the job's token, handed over by GOAUTH", async () => {
    // A one-module upstream in GOPROXY layout; the zip made by Go's own archive/zip.
    const proxyDir = join(work, "goauth-upstream");
    const versions = join(proxyDir, "example.test/greet/@v");
    mkdirSync(versions, { recursive: true });
    writeFileSync(join(versions, "list"), "v1.0.0\n");
    writeFileSync(join(versions, "v1.0.0.info"), '{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}\n');
    writeFileSync(join(versions, "v1.0.0.mod"), "module example.test/greet\n");
    const zipper = join(work, "zipper.go");
    const zipSource = `package main
import ("archive/zip"; "os")
func main() {
	f, _ := os.Create(os.Args[1]); w := zip.NewWriter(f)
	for i := 2; i+1 < len(os.Args); i += 2 { e, _ := w.Create(os.Args[i]); e.Write([]byte(os.Args[i+1])) }
	if w.Close() != nil || f.Close() != nil { os.Exit(1) }
}
`;
    writeFileSync(zipper, zipSource);
    const prefix = "example.test/greet@v1.0.0/";
    const greet = 'package greet\n\nfunc Hello() string { return "hello through GOAUTH" }\n';
    const zipped = spawnSync(
      "go",
      ["run", zipper, join(versions, "v1.0.0.zip"), `${prefix}go.mod`, "module example.test/greet\n", `${prefix}greet.go`, greet],
      {
        env: { ...process.env, GO111MODULE: "off", GOFLAGS: "", GOTOOLCHAIN: "local" },
        encoding: "utf8",
      },
    );
    expect(zipped.status, zipped.stderr).toBe(0);
    const upstream = await startModuleUpstream({ proxyDir, sumdbRoot: proxyDir, vkey: "" });
    const modServer = await startCacheServer({
      tokens: [{ token, scope: "read" }],
      env: { GOCACHEPROG_SERVER_GOMOD_UPSTREAM: upstream.url },
    });
    const tls = await startTlsProxy(modServer.port);
    try {
      // GOPROXY=off on the runner: the fallback behind the server is "off", so nothing but the server can answer.
      const run = runSetup("goauth", { ...download, url: tls.url, token, goproxy: "true" }, { GOPROXY: "off" });
      expect(run.status, run.stdout).toBe(0);
      expect(run.env["GOPROXY"]).toBe(`${tls.url}/gomod|off`);
      expect(run.env["GOAUTH"]).toBe(`netrc;${run.env["GOCACHEPROG"]} goauth`);
      expect(JSON.stringify(run.env)).not.toContain(token);

      const modDownload = (label: string, extra: Record<string, string> = {}) => {
        const gopath = sandbox.dir(`${label}-gopath`);
        return sandbox.run(["mod", "download", "-json", "example.test/greet@v1.0.0"], {
          goCache: sandbox.dir(`${label}-gocache`),
          cacheprog: false,
          cwd: sandbox.dir(label),
          env: {
            ...run.env,
            SSL_CERT_FILE: tls.certFile,
            GOPATH: gopath,
            GOMODCACHE: join(gopath, "mod"),
            GOFLAGS: "-modcacherw",
            ...extra,
          },
        });
      };
      const fetched = await modDownload("goauth-ok");
      expect(fetched.code, fetched.stderr + fetched.stdout).toBe(0);
      const dir = (JSON.parse(fetched.stdout) as { Dir: string }).Dir;
      expect(readFileSync(join(dir, "greet.go"), "utf8")).toBe(greet);
      expect(upstream.count("example.test/greet/@v/v1.0.0.zip")).toBe(1);

      // The same without the GOAUTH command: the server refuses go, which proves the token came from it.
      const refused = await modDownload("goauth-off", { GOAUTH: "off" });
      expect(refused.code).not.toBe(0);
      expect(refused.stdout).toContain("401 Unauthorized"); // -json: the error is in the JSON
    } finally {
      await tls.close();
      await modServer.close();
      await upstream.close();
    }
  });

  it("canonicalizes the working directory's tracked files with the installed client, saying so in one line", () => {
    const checkout = join(work, "checkout");
    mkdirSync(join(checkout, "pkg/testdata"), { recursive: true });
    writeFileSync(join(checkout, "pkg/testdata/in.txt"), "input\n");
    writeFileSync(join(checkout, "untracked.txt"), "u\n");
    const git = (...args: string[]) =>
      spawnSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: checkout });
    git("init", "-q");
    git("add", "pkg");
    git("commit", "-qm", "init");
    const run = runSetup("mtimes-real", { "download-url": `file://${release}`, "working-directory": checkout });
    expect(run.status, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /gocacheprog canonicalize-mtimes: 1 files \(0\.0 MB\), 0 symlinks, 3 folders tracked by git in .* 0 skipped/,
    );
    const year = (rel: string) => statSync(join(checkout, rel)).mtime.getUTCFullYear();
    expect(year("pkg/testdata/in.txt")).toBeLessThan(2000);
    expect(year("untracked.txt")).toBeGreaterThan(2000);
  });

  it("refuses an asset that does not match SHA256SUMS and installs nothing", () => {
    const tampered = join(work, "tampered-release");
    makeRelease(tampered, clientBundle);
    writeFileSync(join(tampered, `gocacheprog-linux-${arch}`), "#!/bin/sh\necho owned\n");
    const run = runSetup("tampered", { "download-url": `file://${tampered}`, url: server.url });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain("does not match its SHA256SUMS");
    expect(run.env).toEqual({});
  });

  it("at the major tag the release workflow moves (@v0), installs the release it points at, not the latest", () => {
    const version = JSON.parse(readFileSync(join(repoRoot, "packages/cacheprog-client/package.json"), "utf8")).version as string;
    const host = join(work, "host");
    makeRelease(join(host, "owner/gocacheprog/releases/download", `v${version}`), clientBundle);
    const run = runSetup(
      "major-tag",
      { url: server.url, "canonicalize-mtimes": "false" },
      { GITHUB_SERVER_URL: `file://${host}`, ACTION_REPOSITORY: "owner/gocacheprog", ACTION_REF: "v0" },
    );
    expect(run.status, run.stdout).toBe(0);
    expect(run.env["GOCACHEPROG"]).toBeDefined();
  });

  it("with token-source github-oidc: needs the runner's token request, then leaves the token to the client", () => {
    const inputs = { ...download, url: server.url, "token-source": "github-oidc", "oidc-audience": "gocache" };
    const without = runSetup("oidc-missing", inputs);
    expect(without.status).not.toBe(0);
    expect(without.stdout).toContain("id-token: write");
    const run = runSetup("oidc", inputs, { ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:9/token", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "x" });
    expect(run.status, run.stdout).toBe(0);
    expect(run.env["GOCACHEPROG_TOKEN_SOURCE"]).toBe("github-oidc");
    expect(run.env["GOCACHEPROG_OIDC_AUDIENCE"]).toBe("gocache");
    expect(run.env["GOCACHEPROG_TOKEN_FILE"]).toBeUndefined();
  });

  it("canonicalizes the checkout's mtimes through the client unless told not to; readonly and the build key are passed on", () => {
    const dir = mkdtempSync(join(work, "recording-"));
    const recorded = join(dir, "release");
    makeRelease(recorded, recordingClient(dir));
    const run = runSetup("mtimes", {
      "download-url": `file://${recorded}`,
      url: server.url,
      readonly: "true",
      key: "acme/app-Linux",
      "working-directory": "/src",
    });
    expect(run.status, run.stdout).toBe(0);
    expect(readFileSync(join(dir, "calls"), "utf8")).toBe("canonicalize-mtimes /src\n");
    expect(run.env["GOCACHEPROG_READONLY"]).toBe("1");
    expect(run.env["GOCACHEPROG_KEY"]).toBe("acme/app-Linux");
    rmSync(join(dir, "calls"));
    expect(runSetup("no-mtimes", { "download-url": `file://${recorded}`, "canonicalize-mtimes": "false" }).status).toBe(0);
    expect(() => statSync(join(dir, "calls"))).toThrow();
  });
});
