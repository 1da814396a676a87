import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

export interface OidcIssuer {
  /** The issuer URL (the tokens' `iss`); discovery at /.well-known/openid-configuration, keys at /jwks. */
  url: string;
  /**
   * A GitHub Actions runner's token endpoint for a job with these claims: what a client gets from
   * ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN (`requestToken`) as bearer.
   */
  runnerEndpoint(claims: Record<string, string>): { url: string; requestToken: string };
  /** Tokens minted by the runner endpoints so far. */
  issued: number;
  close(): Promise<void>;
}

/** An OIDC issuer on loopback with an RS256 key generated per run, plus runner token endpoints. */
export async function startOidcIssuer(): Promise<OidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "run-key", alg: "RS256", use: "sig" };
  const jobs = new Map<string, { claims: Record<string, string>; requestToken: string }>();
  const state = { url: "", issued: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", state.url);
    const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (url.pathname === "/.well-known/openid-configuration") return json(200, { issuer: state.url, jwks_uri: `${state.url}/jwks` });
    if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
    const job = jobs.get(url.pathname.replace(/^\/runner\//, ""));
    if (!job) return json(404, {});
    if (req.headers.authorization !== `bearer ${job.requestToken}`) return json(401, { message: "bad request token" });
    state.issued++;
    void new SignJWT(job.claims)
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
      .setIssuer(state.url)
      .setAudience(url.searchParams.get("audience") ?? "")
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey)
      .then((value) => json(200, { count: 1, value }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: state.url,
    get issued() {
      return state.issued;
    },
    runnerEndpoint(claims) {
      const id = randomUUID();
      const requestToken = randomUUID();
      jobs.set(id, { claims, requestToken });
      return { url: `${state.url}/runner/${id}?api-version=2.0`, requestToken };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
