import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** A signing key of a test issuer: its private half signs tokens, `jwk` is what its JWKS publishes. */
export type IssuerKey = { kid: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"]; jwk: JWK };

export async function newKey(kid: string): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

/** How a test issuer answers its two documents; `document` is the discovery document it would serve. */
export interface IssuerAnswers {
  discovery(res: ServerResponse, document: { issuer: string; jwks_uri: string }): void;
  jwks(res: ServerResponse): void;
}

/** An OIDC issuer on a free loopback port (anything but its two documents is 404): its URL and how to stop it. */
export async function startIssuerServer(answers: IssuerAnswers): Promise<{ url: string; close: () => Promise<void> }> {
  let url = "";
  const server = createServer((req, res) => {
    if (req.url === "/.well-known/openid-configuration") answers.discovery(res, { issuer: url, jwks_uri: `${url}/jwks` });
    else if (req.url === "/jwks") answers.jwks(res);
    else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
