import { randomUUID } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { brotliCompressSync, constants } from "node:zlib";
import { SignJWT } from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { OidcVerifier } from "../../src/auth/oidc.ts";
import { parseRules } from "../../src/auth/rules.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { LogCapture } from "../support/fakes.ts";
import { type IssuerAnswers, type IssuerKey, newKey, startIssuerServer } from "../support/oidc-issuer.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * An issuer's discovery document and JWKS are a few KiB. One that is huge (a misconfigured or hostile
 * issuer, a proxy's error page), or compressed into a bomb (fetch decodes what it is sent), was read
 * whole into memory, then into a string, within the fetch timeout: the server's memory was the issuer's to set.
 */
const HUGE = 128 << 20;
/** 203 bytes of brotli that inflate to 256 MiB of JSON whitespace. */
let bomb: Buffer;
let key: IssuerKey;
/** The issuer runs in this process: its huge answers are made before anything is measured. */
let hugeDocument: Buffer = Buffer.alloc(0);
let hugeJwks: Buffer = Buffer.alloc(0);
let closeIssuer: (() => Promise<void>) | undefined;

beforeAll(async () => {
  key = await newKey("key-1");
  hugeJwks = padded({ keys: [key.jwk] }, HUGE);
  hugeDocument = Buffer.alloc(HUGE, 0x20);
  bomb = brotliCompressSync(Buffer.alloc(256 << 20, 0x20), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_LGWIN]: 24 },
  });
});
afterEach(() => closeIssuer?.());

/** Whether a token of `answers`' issuer verified, and the most buffer and heap memory in use meanwhile. */
async function verifyAgainst(answers: IssuerAnswers): Promise<{ accepted: boolean; grownMiB: number }> {
  const { url, close } = await startIssuerServer(answers);
  closeIssuer = close;
  const oidc = new OidcVerifier({
    issuers: [url],
    audiences: ["gocacheprog"],
    rules: parseRules(JSON.stringify([{ claims: { repository: "acme/app" }, namespace: "app", scope: "read" }]), "test"),
    logger: createLogger("warn", new LogCapture()),
    fetchTimeoutMs: 30_000,
  });
  const nowS = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ repository: "acme/app" })
    .setProtectedHeader({ alg: "RS256", kid: key.kid })
    .setIssuer(url)
    .setAudience("gocacheprog")
    .setJti(randomUUID())
    .setExpirationTime(nowS + 300)
    .sign(key.privateKey);
  gc();
  const inUse = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const before = inUse();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, inUse());
  }, 1);
  const principal = await oidc.verify(token);
  peak = Math.max(peak, inUse());
  clearInterval(sampler);
  return { accepted: principal !== null, grownMiB: Math.round((peak - before) / 2 ** 20) };
}

/** Valid JSON, padded out to `size` bytes with whitespace. */
function padded(value: unknown, size: number): Buffer {
  const json = Buffer.from(JSON.stringify(value));
  return Buffer.concat([Buffer.alloc(size - json.length, 0x20), json]);
}

describe("OIDC: an issuer whose documents are huge", () => {
  it("a 128 MiB discovery document is refused without being held in memory", async () => {
    const result = await verifyAgainst({
      discovery: (res, document) => {
        const json = JSON.stringify(document);
        hugeDocument.write(json, HUGE - json.length);
        res.end(hugeDocument);
      },
      jwks: (res) => res.end(JSON.stringify({ keys: [key.jwk] })),
    });
    expect(result.grownMiB).toBeLessThan(32);
    expect(result.accepted).toBe(false);
  });

  it("a 128 MiB JWKS is refused without being held in memory", async () => {
    const result = await verifyAgainst({
      discovery: (res, document) => res.end(JSON.stringify(document)),
      jwks: (res) => res.end(hugeJwks),
    });
    expect(result.grownMiB).toBeLessThan(32);
    expect(result.accepted).toBe(false);
  });

  it("a discovery document that is a compression bomb (203 bytes, 256 MiB inflated) is refused without inflating it", async () => {
    const result = await verifyAgainst({
      discovery: (res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "br" });
        res.end(bomb);
      },
      jwks: (res) => res.end(JSON.stringify({ keys: [key.jwk] })),
    });
    expect(result.grownMiB).toBeLessThan(32);
    expect(result.accepted).toBe(false);
  });

  it("documents of ordinary size still verify", async () => {
    const result = await verifyAgainst({
      discovery: (res, document) => res.end(padded(document, 64 << 10)),
      jwks: (res) => res.end(padded({ keys: [key.jwk] }, 64 << 10)),
    });
    expect(result.accepted).toBe(true);
  });
});
