import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { type JWK, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OidcVerifier } from "../../src/auth/oidc.ts";
import { parseRules } from "../../src/auth/rules.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { LogCapture } from "../support/fakes.ts";
import { type IssuerKey, newKey, startIssuerServer } from "../support/oidc-issuer.ts";

type Mode = "up" | "down" | "garbage" | "not-keys";

/** A loopback issuer whose discovery and JWKS can each fail (500) or serve garbage; it counts the requests it gets. */
async function startIssuer() {
  const state = { url: "", discovery: "up" as Mode, jwks: "up" as Mode, published: [] as JWK[], discoveryFetches: 0, jwksFetches: 0 };
  const answer = (res: ServerResponse, mode: Mode, body: unknown) => {
    if (mode === "down") res.statusCode = 500;
    if (mode === "not-keys") return void res.end(JSON.stringify({ keys: ["not a key"] }));
    res.end(mode === "garbage" ? "<html>maintenance</html>" : JSON.stringify(body));
  };
  const { url, close } = await startIssuerServer({
    discovery: (res, document) => {
      state.discoveryFetches++;
      answer(res, state.discovery, document);
    },
    jwks: (res) => {
      state.jwksFetches++;
      answer(res, state.jwks, { keys: state.published });
    },
  });
  state.url = url;
  return { state, close };
}

const RULES = parseRules(JSON.stringify([{ claims: { repository: "acme/app" }, namespace: "app", scope: "read-write" }]), "test");
const MIN_MS = 1000;
const MAX_MS = 4000;

let issuer: Awaited<ReturnType<typeof startIssuer>>;
let key: IssuerKey;
let stranger: IssuerKey;
let clock: number;
let logs: LogCapture;

beforeAll(async () => {
  issuer = await startIssuer();
  [key, stranger] = await Promise.all([newKey("key-1"), newKey("key-unknown")]);
  issuer.state.published = [key.jwk];
});
afterAll(() => issuer?.close());
afterEach(() => {
  Object.assign(issuer.state, { discovery: "up", jwks: "up", discoveryFetches: 0, jwksFetches: 0 });
});

/** A verifier on the injected clock; jose's cooldown is off, so only the back-off spaces the fetches. */
function verifier(): OidcVerifier {
  clock = Date.now();
  logs = new LogCapture();
  return new OidcVerifier({
    issuers: [issuer.state.url],
    audiences: ["gocacheprog"],
    rules: RULES,
    logger: createLogger("warn", logs),
    jwksCooldownMs: 0,
    fetchBackoffMinMs: MIN_MS,
    fetchBackoffMaxMs: MAX_MS,
    now: () => clock,
  });
}

/** A fresh token each time (the same bytes would be answered from the verified-token cache). */
function sign(signer: IssuerKey = key): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ repository: "acme/app" })
    .setProtectedHeader({ alg: "RS256", kid: signer.kid })
    .setIssuer(issuer.state.url)
    .setAudience("gocacheprog")
    .setJti(randomUUID())
    .setIssuedAt(nowS - 10)
    .setExpirationTime(nowS + 300)
    .sign(signer.privateKey);
}

/** `n` requests, half of them at once and half one after another; how many were accepted. */
async function requests(oidc: OidcVerifier, n: number, signer?: IssuerKey): Promise<number> {
  const tokens = await Promise.all(Array.from({ length: n }, () => sign(signer)));
  const results = await Promise.all(tokens.slice(0, n / 2).map((token) => oidc.verify(token)));
  for (const token of tokens.slice(n / 2)) results.push(await oidc.verify(token));
  return results.filter((principal) => principal !== null).length;
}

const failureLines = () => logs.text.split("\n").filter((line) => line.includes("OIDC issuer fetch failed")).length;

describe("OIDC back-off after a failed issuer fetch", () => {
  it("a failed discovery: 20 requests in the back-off cost 1 fetch, the wait doubles up to the cap, and success resets it", async () => {
    const oidc = verifier();
    issuer.state.discovery = "down";
    expect(await requests(oidc, 20)).toBe(0);
    expect(issuer.state.discoveryFetches).toBe(1);

    // Back-offs 1 s, 2 s, 4 s, 4 s (capped): one fetch at the end of each, none before.
    let fetches = 1;
    for (const waitMs of [MIN_MS, 2 * MIN_MS, MAX_MS, MAX_MS]) {
      clock += waitMs - 1;
      expect(await requests(oidc, 4)).toBe(0);
      expect(issuer.state.discoveryFetches).toBe(fetches);
      clock += 1;
      expect(await requests(oidc, 4)).toBe(0);
      expect(issuer.state.discoveryFetches).toBe(++fetches);
    }
    expect(failureLines()).toBe(fetches);

    // The issuer is back: the first request after the back-off fetches discovery and JWKS once, the rest use them.
    issuer.state.discovery = "up";
    clock += MAX_MS;
    expect(await requests(oidc, 20)).toBe(20);
    expect(issuer.state.discoveryFetches).toBe(fetches + 1);
    expect(issuer.state.jwksFetches).toBe(1);

    // Reset: the next failure waits the first back-off again (1 s), not the 4 s it had reached.
    issuer.state.jwks = "down";
    expect(await requests(oidc, 2, stranger)).toBe(0); // an unknown key id makes jose refetch the JWKS
    expect(issuer.state.jwksFetches).toBe(2);
    clock += MIN_MS;
    expect(await requests(oidc, 2, stranger)).toBe(0);
    expect(issuer.state.jwksFetches).toBe(3);
  });

  it("a failed JWKS fetch (500, then a 200 that is no key set): 20 requests cost 1 fetch each time; known keys keep working", async () => {
    const oidc = verifier();
    issuer.state.jwks = "down";
    expect(await requests(oidc, 20)).toBe(0);
    expect(issuer.state).toMatchObject({ discoveryFetches: 1, jwksFetches: 1 });

    clock += MIN_MS;
    issuer.state.jwks = "garbage";
    expect(await requests(oidc, 20)).toBe(0);
    expect(issuer.state.jwksFetches).toBe(2);

    clock += MIN_MS; // the second back-off is 2 s: still waiting
    issuer.state.jwks = "up";
    expect(await requests(oidc, 20)).toBe(0);
    expect(issuer.state.jwksFetches).toBe(2);
    clock += MIN_MS;
    expect(await requests(oidc, 20)).toBe(20);
    expect(issuer.state).toMatchObject({ discoveryFetches: 1, jwksFetches: 3 });

    // Down again: tokens signed with a key already held verify without the issuer; one naming an
    // unknown key costs one fetch, and the next ones in its back-off none.
    issuer.state.jwks = "down";
    expect(await requests(oidc, 10, stranger)).toBe(0);
    expect(await requests(oidc, 10)).toBe(10);
    expect(issuer.state.jwksFetches).toBe(4);
    expect(failureLines()).toBe(3);
  });

  it("a 200 JWKS whose keys are not key objects is a failed fetch too: 20 requests cost 1 fetch", async () => {
    const oidc = verifier();
    issuer.state.jwks = "not-keys";
    expect(await requests(oidc, 20)).toBe(0);
    expect(issuer.state).toMatchObject({ discoveryFetches: 1, jwksFetches: 1 });
  });
});
