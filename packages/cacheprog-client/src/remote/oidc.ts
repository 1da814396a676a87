import type { Logger } from "../ops/log.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** Renew this long before the token expires, so no request carries an expired one. */
const RENEW_BEFORE_MS = 60_000;
/** A renewal that fails is tried again after this long (the old token may still be valid). */
const RETRY_MS = 15_000;

export interface IdToken {
  token: string;
  /** From the token's `exp`; 0 when it has none. */
  expiresAtMs: number;
}

/**
 * The job's OIDC ID token from the GitHub Actions runner: GET $ACTIONS_ID_TOKEN_REQUEST_URL with
 * &audience=..., authorized by $ACTIONS_ID_TOKEN_REQUEST_TOKEN (both present only with
 * `permissions: id-token: write`). Rejects with a message that names neither token.
 */
export async function fetchGithubIdToken(env: Env, audience: string, timeoutMs: number): Promise<IdToken> {
  const requestUrl = env["ACTIONS_ID_TOKEN_REQUEST_URL"];
  const requestToken = env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"];
  if (!requestUrl || !requestToken) {
    throw new Error("ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are not set (the job needs `permissions: id-token: write`)");
  }
  const url = new URL(requestUrl);
  url.searchParams.set("audience", audience);
  const res = await fetch(url, {
    headers: { authorization: `bearer ${requestToken}`, accept: "application/json" },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`the runner's token endpoint answered HTTP ${res.status}`);
  const body = (await res.json()) as { value?: unknown };
  // A compact JWT is three base64url parts; anything else (a line break above all) must not reach a
  // header, nor goauth's answer, where it would inject a header line.
  if (typeof body.value !== "string" || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(body.value))
    throw new Error("the runner's token endpoint sent no JWT");
  return { token: body.value, expiresAtMs: expiresAt(body.value) };
}

/** The unverified `exp` (the server verifies; the client only needs to know when to renew). */
function expiresAt(jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown };
    return typeof payload.exp === "number" ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/**
 * Keeps `apply` fed with a valid token for the whole go command: renews a minute before expiry
 * (a long `go test` outlives GitHub's short-lived tokens). Timers are unref'd: they never keep the
 * process alive. A failed renewal is logged once and retried; meanwhile the old token is used.
 */
export function keepRenewed(first: IdToken, fetchToken: () => Promise<IdToken>, apply: (token: string) => void, log: Logger): void {
  let warned = false;
  const schedule = (token: IdToken, delayMs?: number) => {
    if (!token.expiresAtMs && delayMs === undefined) return;
    const wait = delayMs ?? Math.max(token.expiresAtMs - Date.now() - RENEW_BEFORE_MS, 1000);
    setTimeout(() => {
      fetchToken().then(
        (next) => {
          apply(next.token);
          schedule(next);
        },
        (err: Error) => {
          if (!warned) log.warn(`renewing the GitHub Actions OIDC token failed: ${err.message}; retrying`);
          warned = true;
          schedule(token, RETRY_MS);
        },
      );
    }, wait).unref();
  };
  schedule(first);
}
