import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { OidcVerifier } from "../../src/auth/oidc.ts";
import { parseRules } from "../../src/auth/rules.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { LogCapture } from "../support/fakes.ts";
import { type IssuerKey, newKey, startIssuerServer } from "../support/oidc-issuer.ts";

const RULES = parseRules(JSON.stringify([{ claims: { repository: "acme/app" }, namespace: "app", scope: "read-write" }]), "test");

let issuer: { url: string; close: () => Promise<void> };
const state = { jwksDown: false, jwksFetches: 0 };
let key: IssuerKey;

beforeAll(async () => {
  key = await newKey("key-1");
  issuer = await startIssuerServer({
    discovery: (res, document) => res.end(JSON.stringify(document)),
    jwks: (res) => {
      state.jwksFetches++;
      if (state.jwksDown) {
        res.statusCode = 503;
        return void res.end("down");
      }
      res.end(JSON.stringify({ keys: [key.jwk] }));
    },
  });
});
afterAll(() => issuer?.close());
afterEach(() => {
  vi.useRealTimers();
});

function sign(signer: IssuerKey = key): Promise<string> {
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({ repository: "acme/app" })
    .setProtectedHeader({ alg: "RS256", kid: signer.kid })
    .setIssuer(issuer.url)
    .setAudience("gocacheprog")
    .setJti(randomUUID())
    .setIssuedAt(nowS - 10)
    .setExpirationTime(nowS + 300)
    .sign(signer.privateKey);
}

describe("OIDC: a key already held while the issuer is down", () => {
  it("keeps verifying new tokens signed with a held key after jose's 10-minute cacheMaxAge", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const oidc = new OidcVerifier({
      issuers: [issuer.url],
      audiences: ["gocacheprog"],
      rules: RULES,
      logger: createLogger("warn", new LogCapture()),
    });
    expect(await oidc.verify(await sign())).not.toBeNull();
    expect(state.jwksFetches).toBe(1);

    // The issuer's JWKS goes down. Within the first minutes a held key still works (the existing tests cover that)...
    state.jwksDown = true;
    vi.setSystemTime(Date.now() + 60_000);
    expect(await oidc.verify(await sign())).not.toBeNull();

    // ...and still 11 minutes after the last good fetch, past jose's 10-minute cacheMaxAge.
    vi.setSystemTime(Date.now() + 10 * 60_000);
    expect(await oidc.verify(await sign())).not.toBeNull();
    // A key the server never held is not let in by the kept key set.
    expect(await oidc.verify(await sign(await newKey("key-never-published")))).toBeNull();
  });
});
