import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./bins.ts";

/**
 * The module proxy tests' upstream content, made once per machine (and again when its inputs
 * change): a real `go mod download`/`go build`/`go mod tidy` of test/modproxy/app through the
 * machine's own default GOPROXY (the one network step, allowed: the Go module proxy), whose
 * GOMODCACHE/cache/download is already a directory in GOPROXY layout; and a checksum database for
 * those files signed with a fresh test key (test/modproxy/sumdbgen). Tests then serve both from
 * loopback only.
 */

export const appDir = path.join(repoRoot, "test/modproxy/app");
const sumdbgenDir = path.join(repoRoot, "test/modproxy/sumdbgen");
export const SUMDB_NAME = "sumdb.gocacheprog.test";

export interface ModuleFixture {
  /** Files in GOPROXY layout: <escaped module>/@v/{list,<v>.info,<v>.mod,<v>.zip}. */
  proxyDir: string;
  /** Holds sumdb/<name>/{supported,latest,lookup/...,tile/...}: a request path "sumdb/..." is a file below it. */
  sumdbRoot: string;
  /** GOSUMDB value: the test database's verifier key (its name is SUMDB_NAME). */
  vkey: string;
}

function inputsKey(): string {
  const hash = createHash("sha256");
  for (const file of ["go.mod", "go.sum", "main.go"]) hash.update(fs.readFileSync(path.join(appDir, file)));
  for (const file of ["go.mod", "go.sum", "main.go"]) hash.update(fs.readFileSync(path.join(sumdbgenDir, file)));
  hash.update(execFileSync("go", ["version"], { env: goEnv({}), encoding: "utf8" }));
  return hash.digest("hex").slice(0, 16);
}

/** The caller's environment minus go settings, plus `extra`. */
function goEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(GO|CGO_)/.test(key)) env[key] = value;
  return { ...env, GOTOOLCHAIN: "local", GOWORK: "off", GOENV: "off", ...extra };
}

function go(args: string[], cwd: string, env: Record<string, string>): string {
  try {
    return execFileSync("go", args, { cwd, env: goEnv(env), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`module fixture: go ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}

let cached: ModuleFixture | undefined;

export function moduleFixture(): ModuleFixture {
  if (cached) return cached;
  const dir = path.join(os.tmpdir(), `gocacheprog-modproxy-fixture-${inputsKey()}`);
  if (!fs.existsSync(path.join(dir, "complete"))) build(dir);
  cached = { proxyDir: path.join(dir, "proxy"), sumdbRoot: dir, vkey: fs.readFileSync(path.join(dir, "vkey"), "utf8").trim() };
  return cached;
}

function build(dir: string): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gocacheprog-modproxy-build-"));
  try {
    // The machine's default proxy and checksum database, as `go env` reports them outside this repo.
    const defaults = goEnv({});
    delete defaults["GOENV"];
    const [goproxy, gosumdb] = execFileSync("go", ["env", "GOPROXY", "GOSUMDB"], { cwd: os.tmpdir(), env: defaults, encoding: "utf8" })
      .trim()
      .split("\n");
    const modCache = path.join(work, "gopath", "pkg", "mod");
    const env = {
      GOPROXY: goproxy ?? "",
      GOSUMDB: gosumdb ?? "",
      GOPATH: path.join(work, "gopath"),
      GOMODCACHE: modCache,
      GOFLAGS: "-mod=mod -modcacherw -buildvcs=false",
      // go's own default build cache: plain go only, and warm after the first e2e file that builds.
      GOCACHE: execFileSync("go", ["env", "GOCACHE"], { cwd: os.tmpdir(), env: defaults, encoding: "utf8" }).trim(),
    };
    // Exactly what the tests do through the server, so the upstream holds every file they ask for.
    const app = path.join(work, "app");
    fs.cpSync(appDir, app, { recursive: true });
    go(["mod", "download"], app, env);
    go(["build", "-o", path.join(work, "app.bin"), "."], app, env);
    go(["mod", "verify"], app, env);
    go(["list", "-m", "-versions", "github.com/google/uuid"], app, env);
    const tidy = path.join(work, "tidy");
    fs.cpSync(appDir, tidy, { recursive: true });
    fs.rmSync(path.join(tidy, "go.sum"));
    go(["mod", "tidy"], tidy, env);

    const out = path.join(work, "out");
    fs.cpSync(path.join(modCache, "cache", "download"), path.join(out, "proxy"), {
      recursive: true,
      filter: (source) => !/[/\\]sumdb$/.test(source) && !/\.(lock|ziphash|partial|tmp)$/.test(source),
    });
    const sumdbgen = path.join(work, "sumdbgen");
    go(["build", "-o", sumdbgen, "."], sumdbgenDir, { ...env, GOFLAGS: "-mod=readonly -modcacherw -buildvcs=false" });
    execFileSync(sumdbgen, ["-proxy", path.join(out, "proxy"), "-name", SUMDB_NAME, "-out", out], { stdio: "ignore" });
    fs.writeFileSync(path.join(out, "complete"), "");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(out, dir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
