import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientBin } from "./harness/bins.ts";
import { type GoResult, GoSandbox } from "./harness/go.ts";
import { appDir, type ModuleFixture, moduleFixture, SUMDB_NAME } from "./harness/module-fixture.ts";
import { type ModuleUpstream, startModuleUpstream } from "./harness/module-upstream.ts";
import { waitFor } from "./harness/runners.ts";
import { type CacheServer, newToken, type StorageKind, startCacheServer } from "./harness/server.ts";
import { startTlsProxy, type TlsProxy } from "./harness/tls-proxy.ts";
import { instructions, readDockerfile, type Stage } from "./infra/files.ts";

/**
 * gocacheprog-server as GOPROXY for real go commands: test/modproxy/app (a handful of real modules)
 * downloaded, verified against go.sum and the checksum database, and built through /gomod, with a
 * loopback upstream made from a real `go mod download` (harness/module-fixture.ts).
 */

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

const APP_OUTPUT = "modproxy 1.4.2 next 1.5.0\nname: modproxy\nversion: 1.4.2\nee0b9687-d657-5780-85ea-65cc586e3745 123 MB\n";
const UUID_ZIP = "github.com/google/uuid/@v/v1.6.0.zip";
const ERRORS_ZIP = "github.com/pkg/errors/@v/v0.9.1.zip";

/** Plain go (no GOCACHEPROG) on go's own default GOCACHE: only the module cache is under test here. */
const goCache = (() => {
  const dir = execFileSync("go", ["env", "GOCACHE"], {
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", GOTOOLCHAIN: "local" },
    encoding: "utf8",
  }).trim();
  return dir !== "" && dir !== "off" ? dir : sandbox.dir("gocache");
})();

interface Builder {
  /** A fresh GOPATH, so a fresh GOMODCACHE and checksum database cache: a new container. */
  gopath: string;
  env: Record<string, string>;
}

function newBuilder(goproxy: string, fixture: ModuleFixture, extra: Record<string, string> = {}): Builder {
  const gopath = sandbox.dir("gopath");
  return {
    gopath,
    env: {
      GOPROXY: goproxy,
      GOSUMDB: fixture.vkey,
      GOPATH: gopath,
      GOMODCACHE: path.join(gopath, "pkg", "mod"),
      // -modcacherw: the sandbox can delete what go downloads.
      GOFLAGS: "-modcacherw -buildvcs=false",
      ...extra,
    },
  };
}

function go(args: string[], builder: Builder, cwd = appDir): Promise<GoResult> {
  return sandbox.run(args, { goCache, cacheprog: false, cwd, env: builder.env });
}

function expectSuccess(result: GoResult, what: string): void {
  expect(result.code, `${what} failed:\n${result.stderr}${result.stdout}`).toBe(0);
}

/** download, build, run, verify: what a fresh builder does with the app. */
async function downloadAndBuild(builder: Builder): Promise<void> {
  expectSuccess(await go(["mod", "download"], builder), "go mod download");
  const bin = sandbox.file("app");
  expectSuccess(await go(["build", "-o", bin, "."], builder), "go build");
  expect(execFileSync(bin, { encoding: "utf8" })).toBe(APP_OUTPUT);
  const verify = await go(["mod", "verify"], builder);
  expectSuccess(verify, "go mod verify");
  expect(verify.stdout).toBe("all modules verified\n");
}

/** go mod tidy without a go.sum: every line comes from the checksum database, through the proxy. */
async function tidyFromChecksumDatabase(builder: Builder): Promise<void> {
  const dir = sandbox.dir("tidy");
  fs.cpSync(appDir, dir, { recursive: true });
  fs.rmSync(path.join(dir, "go.sum"));
  const tidy = await go(["mod", "tidy"], { ...builder, env: { ...builder.env, GOFLAGS: `${builder.env["GOFLAGS"]} -mod=mod` } }, dir);
  expectSuccess(tidy, "go mod tidy");
  expect(fs.readFileSync(path.join(dir, "go.sum"), "utf8")).toBe(fs.readFileSync(path.join(appDir, "go.sum"), "utf8"));
}

/** A mutable answer (@v/list): the fixture's upstream knows the one version it downloaded. */
async function listVersions(builder: Builder): Promise<void> {
  const list = await go(["list", "-m", "-versions", "github.com/google/uuid"], builder);
  expectSuccess(list, "go list -m -versions");
  expect(list.stdout).toBe("github.com/google/uuid v1.6.0\n");
}

describe.each<StorageKind>(["embedded", "s3-redis"])("gocacheprog-server as GOPROXY (%s storage)", (storage) => {
  const token = newToken();
  let fixture: ModuleFixture;
  let upstream: ModuleUpstream;
  let server: CacheServer;
  let tls: TlsProxy;
  let goproxy: string;
  const builder = (extra: Record<string, string> = {}) => newBuilder(goproxy, fixture, { SSL_CERT_FILE: tls.certFile, ...extra });

  beforeAll(async () => {
    fixture = moduleFixture();
    upstream = await startModuleUpstream(fixture);
    server = await startCacheServer({
      storage,
      tokens: [{ token, scope: "read" }],
      // Mutable answers (list, sumdb "supported", partial tiles) are always refreshed, so stopping
      // the upstream below proves they are served stale.
      env: { GOCACHEPROG_SERVER_GOMOD_UPSTREAM: upstream.url, GOCACHEPROG_SERVER_GOMOD_MUTABLE_TTL: "0" },
    });
    // As behind an ingress: go sends URL userinfo (Basic: the token is the password) over HTTPS only.
    tls = await startTlsProxy(server.port);
    goproxy = `https://builder:${token}@127.0.0.1:${tls.port}/gomod`;
  });

  afterAll(async () => {
    await tls?.close();
    await server?.close();
    await upstream?.close();
  });

  it("makes one upstream fetch for two builders downloading the same zip at once", async () => {
    const release = upstream.hold(UUID_ZIP);
    const builders = [builder(), builder()];
    const first = go(["mod", "download", "github.com/google/uuid"], builders[0]!);
    await waitFor("the first download to reach the upstream", () => upstream.count(UUID_ZIP) === 1);
    const second = go(["mod", "download", "github.com/google/uuid"], builders[1]!);
    await waitFor(
      "the second download to join the fill in flight",
      async () => (await server.metric("gocacheprog_gomod_coalesced_total")) >= 1,
    );
    release();
    for (const result of await Promise.all([first, second])) expectSuccess(result, "go mod download github.com/google/uuid");
    expect(upstream.count(UUID_ZIP)).toBe(1);
    for (const b of builders) expect(fs.existsSync(path.join(b.gopath, "pkg/mod/github.com/google/uuid@v1.6.0/uuid.go"))).toBe(true);
  });

  it("serves a fresh builder: go mod download, go build and go mod verify succeed, go.sum checked", async () => {
    await downloadAndBuild(builder());
    await listVersions(builder());
    for (const zip of [UUID_ZIP, ERRORS_ZIP, "github.com/!burnt!sushi/toml/@v/v1.6.0.zip", "gopkg.in/yaml.v3/@v/v3.0.1.zip"]) {
      expect(upstream.count(zip), zip).toBe(1);
    }
    expect(await server.metric("gocacheprog_gomod_upstream_fetches_total", { outcome: "invalid" })).toBe(0);
  });

  it("proxies the checksum database: go mod tidy without go.sum writes the committed go.sum", async () => {
    await tidyFromChecksumDatabase(builder());
    expect(upstream.count(`sumdb/${SUMDB_NAME}/supported`)).toBeGreaterThan(0);
    expect(await server.metric("gocacheprog_gomod_requests_total", { kind: "sumdb-lookup", result: "miss" })).toBeGreaterThan(0);
  });

  it("serves the next fresh builder with the upstream stopped, everything from the cache", async () => {
    const missesBefore = await server.metric("gocacheprog_gomod_requests_total", { result: "miss" });
    await upstream.stop();
    try {
      await downloadAndBuild(builder());
      await tidyFromChecksumDatabase(builder());
      await listVersions(builder());
    } finally {
      await upstream.start();
    }
    expect(await server.metric("gocacheprog_gomod_requests_total", { result: "miss" })).toBe(missesBefore);
    expect(await server.metric("gocacheprog_gomod_requests_total", { result: "stale" })).toBeGreaterThan(0);
    expect(await server.metric("gocacheprog_gomod_requests_total", { result: "hit" })).toBeGreaterThan(0);
  });
});

describe("tokens for go", () => {
  const token = newToken();
  let fixture: ModuleFixture;
  let upstream: ModuleUpstream;
  let server: CacheServer;
  let tls: TlsProxy;

  beforeAll(async () => {
    fixture = moduleFixture();
    upstream = await startModuleUpstream(fixture);
    server = await startCacheServer({ tokens: [{ token, scope: "read" }], env: { GOCACHEPROG_SERVER_GOMOD_UPSTREAM: upstream.url } });
    tls = await startTlsProxy(server.port);
  });

  afterAll(async () => {
    await tls?.close();
    await server?.close();
    await upstream?.close();
  });

  it("reads the token from .netrc (GOAUTH's default), and without one go reports the 401", async () => {
    const goproxy = `${tls.url}/gomod`;
    const netrc = sandbox.file("netrc");
    // go matches the machine against host:port when the URL has a port.
    fs.writeFileSync(netrc, `machine 127.0.0.1:${tls.port} login builder password ${token}\n`);
    expectSuccess(
      await go(["mod", "download", "github.com/google/uuid"], newBuilder(goproxy, fixture, { SSL_CERT_FILE: tls.certFile, NETRC: netrc })),
      "download with .netrc",
    );

    const refused = await go(
      ["mod", "download", "github.com/pkg/errors"],
      newBuilder(goproxy, fixture, { SSL_CERT_FILE: tls.certFile, NETRC: sandbox.file("none") }),
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/401 Unauthorized/);
    expect(refused.stderr).toMatch(/server response: missing or unknown token/);
    expect(upstream.count(ERRORS_ZIP)).toBe(0);
  });

  it("takes a bearer header from a GOAUTH command (Go 1.24+)", async () => {
    const script = sandbox.file("goauth.sh");
    fs.writeFileSync(script, `#!/bin/sh\nprintf '%s\\n\\nAuthorization: Bearer %s\\n\\n' '${tls.url}/gomod' '${token}'\n`, { mode: 0o755 });
    const builder = newBuilder(`${tls.url}/gomod`, fixture, { SSL_CERT_FILE: tls.certFile, NETRC: sandbox.file("none"), GOAUTH: script });
    expectSuccess(await go(["mod", "download", "github.com/google/uuid"], builder), "download with GOAUTH");
  });

  it("the docker build recipe's download step fetches through /gomod with the token from the BuildKit secret", async () => {
    const download = instructions(readDockerfile("examples/docker-build/Dockerfile").find((s) => s.name === "build") as Stage, "RUN").find(
      (r) => r.args.includes("go mod download"),
    );
    const tokenFile = sandbox.file("token");
    fs.writeFileSync(tokenFile, token);
    const src = sandbox.dir("docker-src");
    fs.cpSync(appDir, src, { recursive: true });
    const builder = newBuilder("off", fixture, { SSL_CERT_FILE: tls.certFile, NETRC: sandbox.file("none"), GOCACHEPROG_URL: tls.url });
    const before = await server.metric("gocacheprog_gomod_requests_total");
    // Asynchronously: the upstream and the HTTPS front run in this process.
    // The image's paths, mapped to this machine: the secret's mount, and the client that hands go the token (GOAUTH).
    const script = download!.args
      .replaceAll("/run/secrets/gocacheprog_token", tokenFile)
      .replaceAll("/usr/local/bin/gocacheprog", clientBin);
    await promisify(execFile)("/bin/sh", ["-c", script], {
      cwd: src,
      env: sandbox.env({ goCache, cacheprog: false, env: builder.env }),
    });
    expect(await server.metric("gocacheprog_gomod_requests_total")).toBeGreaterThan(before);
    expect(await server.metric("gocacheprog_gomod_requests_total", { kind: "zip" })).toBeGreaterThanOrEqual(6);
  });

  it("needs --gomod-anonymous behind plain HTTP, where go sends no credentials; /v1 keeps its tokens", async () => {
    const plain = await go(["mod", "download", "github.com/google/uuid"], newBuilder(`${server.url}/gomod`, fixture));
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/401 Unauthorized/);

    const open = await startCacheServer({
      tokens: [{ token, scope: "read" }],
      env: { GOCACHEPROG_SERVER_GOMOD_UPSTREAM: upstream.url, GOCACHEPROG_SERVER_GOMOD_ANONYMOUS: "1" },
    });
    try {
      expectSuccess(
        await go(["mod", "download", "github.com/google/uuid"], newBuilder(`${open.url}/gomod`, fixture)),
        "anonymous download",
      );
      expect((await fetch(`${open.url}/v1/actions/${"a".repeat(64)}`)).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

describe("bad input and a bad upstream", () => {
  let fixture: ModuleFixture;
  let upstream: ModuleUpstream;
  let server: CacheServer;
  let goproxy: string;

  beforeAll(async () => {
    fixture = moduleFixture();
    upstream = await startModuleUpstream(fixture);
    server = await startCacheServer({ env: { GOCACHEPROG_SERVER_GOMOD_UPSTREAM: upstream.url } });
    goproxy = `${server.url}/gomod`;
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it.each([
    ["corrupt", "github.com/pkg/errors", ERRORS_ZIP, /CRC-32 mismatch|not a readable zip|damaged/],
    [
      "truncate",
      "github.com/dustin/go-humanize",
      "github.com/dustin/go-humanize/@v/v1.1.0.zip",
      /other side closed|terminated|sent \d+ of the \d+ bytes/,
    ],
  ] as const)("a %s zip from the upstream (%s): go reports a 502, nothing is cached, the next download succeeds", async (fault, module, zip, message) => {
    upstream.fault(zip, fault);
    const failed = await go(["mod", "download", module], newBuilder(goproxy, fixture));
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/502 Bad Gateway/);
    expect(failed.stderr).toMatch(message);
    expect(upstream.count(zip)).toBeGreaterThan(0);

    upstream.fault(zip, null);
    const fixed = newBuilder(goproxy, fixture);
    const counted = upstream.count(zip);
    expectSuccess(await go(["mod", "download", module], fixed), "download after the upstream recovered");
    // It was fetched again: the bad answer had not been stored.
    expect(upstream.count(zip)).toBe(counted + 1);
    expectSuccess(await go(["mod", "verify"], fixed), "go mod verify");
  });

  it("an unknown version: go reports the upstream's not-found", async () => {
    const result = await go(["mod", "download", "github.com/google/uuid@v1.99.0"], newBuilder(goproxy, fixture));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/404 Not Found/);
    expect(result.stderr).toMatch(/not found: github.com\/google\/uuid\/@v\/v1.99.0.info/);
  });

  it("malformed paths are refused with 400 before anything reaches the upstream", async () => {
    const before = upstream.total();
    for (const bad of [
      "github.com/Google/uuid/@v/list",
      "github.com/google/uuid/@v/v1.6.0%2F..%2F..%2Fx.zip",
      "github.com/google/uuid/@v/v1.6.zip",
      "github.com/!/uuid/@v/list",
      "sumdb/sum.example/tile/8/0/1",
    ]) {
      const res = await fetch(`${goproxy}/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    }
    expect(upstream.total()).toBe(before);
  });
});
