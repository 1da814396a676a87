import { randomUUID } from "node:crypto";
import { routes } from "@gocacheprog/common";
import { type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IssuerKey, newKey, startIssuerServer } from "../support/oidc-issuer.ts";
import { putOutput, randomId, send, startTestServer } from "../support/real-server.ts";

/**
 * An OIDC issuer on loopback: discovery document and JWKS, keys generated per run. `published` is
 * what /jwks serves right now (rotation replaces it); `fetches` counts JWKS requests.
 */
async function startIssuer() {
  const state = { published: [] as JWK[], fetches: 0, url: "" };
  const { url, close } = await startIssuerServer({
    discovery: (res, document) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(document));
    },
    jwks: (res) => {
      state.fetches++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: state.published }));
    },
  });
  state.url = url;
  return { state, close };
}

const MAIN = { repository: "acme/app", ref: "refs/heads/main", event_name: "push" };
const PULL_REQUEST = { repository: "acme/app", ref: "refs/pull/7/merge", event_name: "pull_request" };
const RULES = [
  { claims: { repository: "acme/app", ref: "refs/heads/main", event_name: "push" }, namespace: "app", scope: "read-write" },
  { claims: { repository: "acme/app", event_name: "pull_request" }, namespace: "app", scope: "read" },
];
const STATIC = "static-token-dddddddddddddddd";

let issuer: Awaited<ReturnType<typeof startIssuer>>;
let server: Awaited<ReturnType<typeof startTestServer>>;
let key1: IssuerKey;

function sign(claims: Record<string, unknown>, options: { key?: IssuerKey; iss?: string; aud?: string; exp?: number } = {}) {
  const key = options.key ?? key1;
  const now = Math.floor(Date.now() / 1000);
  return (
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
      .setIssuer(options.iss ?? issuer.state.url)
      .setAudience(options.aud ?? "gocacheprog")
      .setSubject(`repo:${claims["repository"]}:${claims["event_name"]}`)
      // A fresh token every time: identical bytes would be answered from the verified-token cache.
      .setJti(randomUUID())
      .setIssuedAt(now - 10)
      .setExpirationTime(options.exp ?? now + 300)
      .sign(key.privateKey)
  );
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (actionHex: string, token: string) => send(server.url, "GET", routes.action(actionHex), { headers: bearer(token) });
const put = (actionHex: string, token: string, data = Buffer.from(`output of ${actionHex}`)) =>
  putOutput(server.url, actionHex, data, bearer(token));

beforeAll(async () => {
  issuer = await startIssuer();
  key1 = await newKey("key-1");
  issuer.state.published = [key1.jwk];
  server = await startTestServer([
    "--oidc-issuers",
    issuer.state.url,
    "--oidc-rules",
    JSON.stringify(RULES),
    "--oidc-jwks-cooldown",
    "0s",
    "--tokens",
    `${STATIC} read-write app`,
  ]);
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

describe("OIDC tokens from a trusted issuer (loopback discovery + JWKS)", () => {
  it("a main-branch push token writes to its namespace; the entry is read back with the static token of that namespace", async () => {
    const action = randomId();
    const data = Buffer.from("built on main");
    expect((await put(action, await sign(MAIN), data)).status).toBe(201);
    const hit = await get(action, STATIC);
    expect(hit.status).toBe(200);
    expect(hit.body.equals(data)).toBe(true);
  });

  it("a pull-request token reads but cannot write, and its refused put stores nothing", async () => {
    const written = randomId();
    expect((await put(written, STATIC)).status).toBe(201);
    const token = await sign(PULL_REQUEST);
    expect((await get(written, token)).status).toBe(200);
    const refused = randomId();
    expect((await put(refused, token)).status).toBe(403);
    expect((await get(refused, STATIC)).status).toBe(404);
  });

  it("refuses expired, wrong-audience, wrong-issuer, unknown-key, alg none, tampered and unmatched tokens with 401, storing nothing", async () => {
    const stranger = await newKey("key-unknown");
    const valid = await sign(MAIN);
    const [header, payload] = valid.split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString()) as Record<string, unknown>;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const cases: Record<string, string> = {
      expired: await sign(MAIN, { exp: Math.floor(Date.now() / 1000) - 600 }),
      "wrong audience": await sign(MAIN, { aud: "someone-else" }),
      "untrusted issuer": await sign(MAIN, { iss: "http://127.0.0.1:1" }),
      "unknown key": await sign(MAIN, { key: stranger }),
      "alg none": `${b64({ alg: "none", typ: "JWT" })}.${payload}.`,
      "alg none, kid of a real key": `${b64({ alg: "none", kid: key1.kid })}.${payload}.`,
      tampered: `${header}.${b64({ ...claims, repository: "acme/app", event_name: "push", ref: "refs/heads/main", exp: (claims["exp"] as number) + 3600 })}.${valid.split(".")[2]}`,
      "no rule matches": await sign({ ...MAIN, repository: "acme/other" }),
      "not a JWT": "x".repeat(40),
    };
    for (const [what, token] of Object.entries(cases)) {
      const action = randomId();
      const res = await put(action, token);
      expect(res.status, what).toBe(401);
      expect(res.headers["www-authenticate"], what).toMatch(/^Bearer/);
      expect((await get(action, STATIC)).status, what).toBe(404);
    }
    // The refusals are logged by reason, never with the token.
    for (const token of Object.values(cases)) expect(server.logs.text).not.toContain(token);
  });

  it("picks up a rotated key: tokens signed with the new key work, new ones signed with the retired key are refused", async () => {
    const key2 = await newKey("key-2");
    issuer.state.published = [key2.jwk];
    const before = issuer.state.fetches;
    const action = randomId();
    expect((await put(action, await sign(MAIN, { key: key2 }))).status).toBe(201);
    expect(issuer.state.fetches).toBeGreaterThan(before);
    expect((await get(action, await sign(PULL_REQUEST, { key: key2 }))).status).toBe(200);
    expect((await get(action, await sign(PULL_REQUEST, { key: key1 }))).status).toBe(401);
  });
});
