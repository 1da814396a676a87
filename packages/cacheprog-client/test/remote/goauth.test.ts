import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, buildBin } from "../helpers.ts";

// `gocacheprog goauth` as go runs it (GOAUTH): its stdout is what go parses; go's own use of it is in
// test/ci-action-setup.test.ts (a real go mod download through an HTTPS /gomod).

const work = mkdtempSync(join(tmpdir(), "gcp-goauth-"));
beforeAll(() => buildBin());
afterAll(() => rmSync(work, { recursive: true, force: true }));

function goauth(env: Record<string, string>, args: string[] = [], input = "") {
  const run = spawnSync(BIN, ["goauth", ...args], { env: { PATH: process.env["PATH"] ?? "", ...env }, input, encoding: "utf8" });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("gocacheprog goauth", () => {
  const tokenFile = join(work, "token");
  writeFileSync(tokenFile, "s3cret-token-0123456789\n");

  it("prints the token for <url>/gomod in GOAUTH's format, the same when go retries with a URL and the 401 on stdin", () => {
    const env = { GOCACHEPROG_URL: "https://cache.example:8443/base/", GOCACHEPROG_TOKEN_FILE: tokenFile };
    const first = goauth(env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe("https://cache.example:8443/base/gomod\n\nAuthorization: Bearer s3cret-token-0123456789\n\n");
    const retry = goauth(env, ["https://cache.example:8443/base/gomod/x/@latest"], "HTTP/1.1 401 Unauthorized\r\n\r\n");
    expect(retry.stdout).toBe(first.stdout);
  });

  it("prints nothing for an http URL (go would not send it), without a URL or token, or for a token with a line break", () => {
    expect(goauth({ GOCACHEPROG_URL: "http://cache.example", GOCACHEPROG_TOKEN_FILE: tokenFile }).stdout).toBe("");
    expect(goauth({ GOCACHEPROG_TOKEN_FILE: tokenFile }).stdout).toBe("");
    expect(goauth({ GOCACHEPROG_URL: "https://cache.example" }).stdout).toBe("");
    const injected = goauth({ GOCACHEPROG_URL: "https://cache.example", GOCACHEPROG_TOKEN: "abc\nX-Other: 1" });
    expect(injected.code).toBe(0);
    expect(injected.stdout).toBe("");
    expect(injected.stderr).toContain("control characters");
    expect(injected.stderr).not.toContain("abc");
  });

  it("refuses arguments go never passes", () => {
    expect(goauth({}, ["--token", "x"]).code).toBe(2);
    expect(goauth({}, ["https://a", "https://b"]).code).toBe(2);
  });
});

describe("gocacheprog goauth with GOCACHEPROG_TOKEN_SOURCE=github-oidc", () => {
  it("hands go a fresh job token from the runner's endpoint, asked for the configured audience", async () => {
    const jwt = `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from('{"exp":4102444800}').toString("base64url")}.c2ln`;
    const asked: string[] = [];
    let value = jwt;
    const endpoint = createServer((req, res) => {
      asked.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value }));
    });
    await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = endpoint.address() as AddressInfo;
      const env = {
        PATH: process.env["PATH"] ?? "",
        GOCACHEPROG_URL: "https://cache.example",
        GOCACHEPROG_TOKEN_SOURCE: "github-oidc",
        GOCACHEPROG_OIDC_AUDIENCE: "gocache-aud",
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-request",
      };
      const { stdout } = await promisify(execFile)(BIN, ["goauth"], { env });
      expect(stdout).toBe(`https://cache.example/gomod\n\nAuthorization: Bearer ${jwt}\n\n`);
      expect(asked).toEqual(["/token?api-version=2.0&audience=gocache-aud bearer runner-request"]);
      // Without the runner's variables (no id-token permission): nothing, and go fetches without credentials.
      const without = await promisify(execFile)(BIN, ["goauth"], { env: { ...env, ACTIONS_ID_TOKEN_REQUEST_URL: "" } });
      expect(without.stdout).toBe("");
      expect(without.stderr).toContain("id-token: write");
      // Something other than a compact JWT (here with a line break) never reaches go: it would add a header line.
      value = `${jwt}\nX-Injected: 1`;
      const injected = await promisify(execFile)(BIN, ["goauth"], { env });
      expect(injected.stdout).toBe("");
      expect(injected.stderr).toContain("no JWT");
    } finally {
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    }
  });
});
