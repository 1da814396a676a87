import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../../src/ops/log.ts";
import { fetchGithubIdToken, keepRenewed } from "../../src/remote/oidc.ts";

/** A JWT-shaped token (the client never verifies: the server does) expiring at `exp` seconds. */
const jwt = (exp: number, n: number) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify({ exp, n })).toString("base64url")}.c2ln`;

/** The runner's token endpoint on loopback: records each request, answers what `answer` says. */
const requests: IncomingMessage[] = [];
let answer: (n: number) => { status: number; body: unknown } = () => ({ status: 500, body: {} });
let url = "";
const endpoint = createServer((req, res) => {
  requests.push(req);
  const { status, body } = answer(requests.length);
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/token?api-version=2.0`;
});
afterAll(() => new Promise<void>((resolve) => endpoint.close(() => resolve())));

const env = () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "runner-request-token" });
const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;

describe("the GitHub Actions OIDC token (GOCACHEPROG_TOKEN_SOURCE=github-oidc)", () => {
  it("asks the runner with its request token and the audience, and reads the token's expiry", async () => {
    const exp = Math.floor(Date.now() / 1000) + 300;
    answer = (n) => ({ status: 200, body: { value: jwt(exp, n) } });
    const got = await fetchGithubIdToken(env(), "gocache-aud", 5000);
    const req = requests.at(-1) as IncomingMessage;
    const asked = new URL(req.url ?? "", "http://x");
    expect(asked.searchParams.get("audience")).toBe("gocache-aud");
    expect(asked.searchParams.get("api-version")).toBe("2.0");
    expect(req.headers.authorization).toBe("bearer runner-request-token");
    expect(got.expiresAtMs).toBe(exp * 1000);
  });

  it("fails with a message that names the missing permission, or the endpoint's status, never a token", async () => {
    await expect(fetchGithubIdToken({}, "a", 1000)).rejects.toThrow(/id-token: write/);
    answer = () => ({ status: 403, body: { message: "no" } });
    await expect(fetchGithubIdToken(env(), "a", 5000)).rejects.toThrow(/HTTP 403/);
    answer = () => ({ status: 200, body: { value: "not-a-jwt" } });
    await expect(fetchGithubIdToken(env(), "a", 5000)).rejects.toThrow(/no JWT/);
  });

  it("renews the token before it expires and hands the new one on", async () => {
    // Expires in 61 s: renewal is due a minute before, i.e. about now (at least 1 s later).
    const exp = Math.floor(Date.now() / 1000) + 61;
    answer = (n) => ({ status: 200, body: { value: jwt(exp + 600, n) } });
    const first = await fetchGithubIdToken(env(), "a", 5000);
    const renewed = new Promise<string>((resolve) => {
      keepRenewed({ ...first, expiresAtMs: exp * 1000 }, () => fetchGithubIdToken(env(), "a", 5000), resolve, silent);
    });
    const token = await renewed;
    expect(token).not.toBe(first.token);
    expect(token.split(".")).toHaveLength(3);
  });
});
