import { createHash } from "node:crypto";
import { createRemoteJWKSet, customFetch, decodeJwt, type FetchImplementation, type JWTPayload, jwtVerify } from "jose";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import { FetchBackoff } from "./backoff.ts";
import { type ClaimRule, principalFor } from "./rules.ts";
import type { Principal, TokenVerifier } from "./tokens.ts";

export interface OidcOptions {
  /** Issuer URLs exactly as they appear in the tokens' `iss` claim. */
  issuers: readonly string[];
  /** Accepted `aud` values (a token needs one of them). */
  audiences: readonly string[];
  rules: readonly ClaimRule[];
  logger: Logger;
  /**
   * Least time between two JWKS fetches for an unknown key id (jose's cooldown). An issuer that
   * rotates its keys is picked up on the first token signed with the new key after this much time;
   * tests shorten it.
   */
  jwksCooldownMs?: number;
  /** Discovery and JWKS requests give up after this long. */
  fetchTimeoutMs?: number;
  /**
   * After a failed discovery or JWKS fetch the issuer is not asked again for this long, doubling
   * with each failure in a row up to fetchBackoffMaxMs (FetchBackoff); tests shorten them.
   */
  fetchBackoffMinMs?: number;
  fetchBackoffMaxMs?: number;
  now?: () => number;
}

/**
 * Asymmetric algorithms only: `none` and the HMAC ones (whose "key" would be public JWKS material)
 * are refused before any key is looked up.
 */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
/** Verified tokens are remembered until they expire, so a build's thousands of requests verify once. */
const CACHE_MAX = 10_000;
const CLOCK_TOLERANCE_S = 30;
/**
 * Largest discovery document or JWKS read (real ones are a few KiB). Without it the issuer sets the
 * server's memory: a huge body, or a small compressed one (fetch inflates whatever it is sent), was
 * read whole within the fetch timeout.
 */
const DOCUMENT_MAX = 1 << 20;

type KeySet = ReturnType<typeof createRemoteJWKSet>;
interface Verified {
  principal: Principal;
  expMs: number;
}

/**
 * JWTs from trusted OIDC issuers (GitHub Actions, GitLab CI, any issuer with a discovery document and
 * a JWKS). jose fetches, caches and refreshes each issuer's key set; this class adds discovery, the
 * issuer/audience/expiry checks, and the claim rules that give a token its namespace and scope.
 */
export class OidcVerifier implements TokenVerifier {
  private readonly keySets = new Map<string, Promise<KeySet>>();
  private readonly backoffs = new Map<string, FetchBackoff>();
  private readonly verified = new Map<string, Verified>();
  private readonly now: () => number;
  private readonly refused: (fields: Record<string, unknown>) => void;
  private rules: readonly ClaimRule[];

  constructor(private readonly options: OidcOptions) {
    this.now = options.now ?? Date.now;
    this.rules = options.rules;
    this.refused = throttledLog(options.logger, "info", "OIDC token refused");
  }

  cached(token: string): Principal | null {
    const digest = createHash("sha256").update(token).digest("hex");
    const known = this.verified.get(digest);
    if (known && known.expMs > this.now()) return known.principal;
    if (known) this.verified.delete(digest);
    return null;
  }

  async verify(token: string): Promise<Principal | null> {
    // A JWT is three base64url parts; anything else was a wrong static token, not ours to report.
    if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return null;
    const known = this.cached(token);
    if (known) return known;
    const digest = createHash("sha256").update(token).digest("hex");

    let payload: JWTPayload;
    try {
      const issuer = decodeJwt(token).iss;
      if (!issuer || !this.options.issuers.includes(issuer)) throw new Error("issuer not trusted");
      ({ payload } = await jwtVerify(token, await this.keySet(issuer), {
        issuer,
        audience: [...this.options.audiences],
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(this.now()),
        requiredClaims: ["exp"],
      }));
    } catch (err) {
      // The reason only (jose's error code and message name a claim, never the token).
      this.refused({ reason: (err as { code?: string }).code ?? (err as Error).message });
      return null;
    }
    const principal = principalFor(this.rules, payload);
    if (!principal) {
      this.refused({ reason: "no rule matches the token's claims", iss: payload.iss, sub: payload.sub });
      return null;
    }
    if (this.verified.size >= CACHE_MAX) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(digest, { principal, expMs: (payload.exp as number) * 1000 });
    return principal;
  }

  /** New claim rules (a reload); tokens verified under the old ones are checked again. */
  replaceRules(rules: readonly ClaimRule[]): void {
    this.rules = rules;
    this.verified.clear();
  }

  /**
   * Discovery once per issuer (retried after a failure, once its back-off is over); jose keeps the
   * key set fresh from then on.
   */
  private keySet(issuer: string): Promise<KeySet> {
    let found = this.keySets.get(issuer);
    if (!found) {
      found = this.discover(issuer);
      this.keySets.set(issuer, found);
      found.catch(() => this.keySets.delete(issuer));
    }
    return found;
  }

  private backoff(issuer: string): FetchBackoff {
    let found = this.backoffs.get(issuer);
    if (!found) {
      const { fetchBackoffMinMs = 5_000, fetchBackoffMaxMs = 60_000 } = this.options;
      found = new FetchBackoff(issuer, { minMs: fetchBackoffMinMs, maxMs: fetchBackoffMaxMs, now: this.now });
      this.backoffs.set(issuer, found);
    }
    return found;
  }

  private async discover(issuer: string): Promise<KeySet> {
    const backoff = this.backoff(issuer);
    backoff.check();
    const timeout = this.options.fetchTimeoutMs ?? 5000;
    let jwksUrl: URL;
    try {
      jwksUrl = await this.fetchJwksUrl(issuer, timeout);
    } catch (err) {
      this.fetchFailed(issuer, backoff, err as Error);
      throw err;
    }
    return createRemoteJWKSet(jwksUrl, {
      timeoutDuration: timeout,
      cooldownDuration: this.options.jwksCooldownMs ?? 30_000,
      [customFetch]: this.jwksFetch(issuer, backoff),
    });
  }

  private async fetchJwksUrl(issuer: string, timeout: number): Promise<URL> {
    const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(timeout), redirect: "error" });
    if (!res.ok) throw new Error(`discovery for ${issuer}: HTTP ${res.status}`);
    const doc = JSON.parse(await boundedText(res, `discovery for ${issuer}`)) as { issuer?: unknown; jwks_uri?: unknown };
    // The document must speak for the issuer it was fetched for (OpenID Connect Discovery 1.0, 4.3).
    if (doc.issuer !== issuer) throw new Error(`discovery for ${issuer} names another issuer`);
    if (typeof doc.jwks_uri !== "string") throw new Error(`discovery for ${issuer} has no jwks_uri`);
    return new URL(doc.jwks_uri);
  }

  /**
   * jose's fetch of the JWKS, behind the issuer's back-off. The body is read and checked here, not
   * only by jose, because a 200 whose body is no key set is a failure to back off from as well.
   *
   * jose fetches the key set again 10 minutes after its last success, and a failed fetch then fails
   * every token: an issuer down for longer (GitHub's, during an outage) would lock out every CI job
   * whose key the server holds. So a failed or backed-off fetch answers with the last good key set
   * (still logged and backed off); a key the issuer removed goes once it is reachable again.
   */
  private jwksFetch(issuer: string, backoff: FetchBackoff): FetchImplementation {
    let lastGood: string | undefined;
    const keySet = (text: string) => new Response(text, { status: 200, headers: { "content-type": "application/json" } });
    return async (url, init) => {
      try {
        backoff.check();
      } catch (err) {
        if (lastGood !== undefined) return keySet(lastGood);
        throw err;
      }
      try {
        const res = await fetch(url, init);
        if (res.status !== 200) throw new Error(`JWKS of ${issuer}: HTTP ${res.status}`);
        const text = await boundedText(res, `JWKS of ${issuer}`);
        const body = JSON.parse(text) as { keys?: unknown };
        // jose's own test of a key set: anything less fails every token after this "success".
        const keys = body?.keys;
        if (!Array.isArray(keys) || !keys.every((key) => typeof key === "object" && key !== null && !Array.isArray(key)))
          throw new Error(`JWKS of ${issuer} holds no key set`);
        backoff.succeeded();
        lastGood = text;
        return keySet(text);
      } catch (err) {
        this.fetchFailed(issuer, backoff, err as Error);
        if (lastGood !== undefined) return keySet(lastGood);
        throw err;
      }
    };
  }

  /** At most one line per failed fetch, and the back-off spaces those out. */
  private fetchFailed(issuer: string, backoff: FetchBackoff, err: Error): void {
    const retryInS = backoff.failed() / 1000;
    this.options.logger.warn(
      { issuer, err: err.message, retryInS },
      "OIDC issuer fetch failed; tokens that need it are refused until the retry",
    );
  }
}

/** The body as text, refused (and the download cancelled) once it is over DOCUMENT_MAX bytes. */
async function boundedText(res: Response, what: string): Promise<string> {
  const tooBig = () => new Error(`${what} is over ${DOCUMENT_MAX} bytes`);
  // The announced length counts encoded bytes: only a plain body's can refuse it before reading.
  if (!res.headers.get("content-encoding") && Number(res.headers.get("content-length")) > DOCUMENT_MAX) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  const reader = res.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > DOCUMENT_MAX) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, received).toString("utf8");
}
