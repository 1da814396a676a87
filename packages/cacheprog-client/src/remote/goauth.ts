import { ConfigError, shownArguments } from "@gocacheprog/common";
import { parseClientOptions } from "../ops/config.ts";
import { writeStderr } from "../ops/fd-write.ts";
import { createLogger, type Logger } from "../ops/log.ts";
import { fetchGithubIdToken } from "./oidc.ts";
import { readToken } from "./open.ts";

/**
 * `gocacheprog goauth`: a GOAUTH command (Go 1.24+, `go help goauth`) that hands go the client's own
 * token for the server's module proxy, so `GOPROXY=<server>/gomod` works with the same settings as
 * GOCACHEPROG (GOCACHEPROG_URL, GOCACHEPROG_TOKEN or GOCACHEPROG_TOKEN_FILE, or the job's OIDC token with
 * GOCACHEPROG_TOKEN_SOURCE=github-oidc) and no token in GOPROXY,
 * .netrc or the environment of every step:
 *
 *   GOAUTH="netrc;/path/to/gocacheprog goauth"   (an entry that is not a keyword is a command line)
 *
 * go runs it once before its first HTTPS fetch, and again with the URL as argument after a 4xx; the
 * answer is the same both times. go sends GOAUTH headers over HTTPS only, so for an http:// server (or
 * no token) it prints nothing: go then fetches without credentials, and the server answers as it
 * would (401, or the module with --gomod-anonymous).
 */
export async function goauthResponse(env: Readonly<Record<string, string | undefined>>, log: Logger): Promise<string> {
  const options = parseClientOptions([], env).values;
  if (!options.url) return "";
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    log.warn("goauth: GOCACHEPROG_URL is not a valid URL");
    return "";
  }
  if (base.protocol !== "https:") return "";
  const token =
    options.tokenSource === "github-oidc" ? await idToken(env, options.oidcAudience, options.remoteTimeout, log) : readToken(options, log);
  // readToken hands out no token with a line break inside, which would inject a header line here.
  if (!token) return "";
  // No user info, query or fragment: go matches the credentials by this prefix of each request's URL,
  // host and path as GOPROXY ($GOCACHEPROG_URL/gomod) spells them (go folds no case and keeps a
  // :443), so that spelling goes first, and the normalised one beside it when it differs.
  const written = /^https:\/\/(?:[^@/?#]*@)?([^/?#]+)([^?#]*)/i.exec(options.url);
  const prefixes = new Set<string>();
  if (written) prefixes.add(`https://${written[1]}${written[2]!.replace(/\/+$/, "")}/gomod`);
  prefixes.add(`${base.origin}${base.pathname.replace(/\/+$/, "")}/gomod`);
  return `${[...prefixes].join("\n")}\n\nAuthorization: Bearer ${token}\n\n`;
}

const USAGE = `Usage: GOAUTH="netrc;/path/to/gocacheprog goauth" go mod download

A GOAUTH command (Go 1.24+): prints the token of GOCACHEPROG_TOKEN or GOCACHEPROG_TOKEN_FILE (or a fresh
GitHub Actions OIDC token with GOCACHEPROG_TOKEN_SOURCE=github-oidc) as an
Authorization header for $GOCACHEPROG_URL/gomod, the server's module proxy (https URLs only).
`;

export async function runGoauth(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  // go appends the URL that was refused (a 4xx) and writes the response to stdin: neither changes the answer.
  if (argv.length > 1 || (argv[0] !== undefined && !/^https?:\/\//.test(argv[0]))) {
    writeStderr(
      // Shown up to an "=": a stray -token=... must not put its value in the log.
      `gocacheprog goauth: a GOAUTH command, run by go (GOAUTH="netrc;/path/to/gocacheprog goauth"); got ${shownArguments(argv)}\n`,
    );
    return 2;
  }
  try {
    process.stdout.write(await goauthResponse(env, createLogger("warn")));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    writeStderr(`gocacheprog goauth: ${err.message}\n`);
    return 2;
  }
  return 0;
}

/** With GOCACHEPROG_TOKEN_SOURCE=github-oidc: a fresh job token per go command (go runs GOAUTH once per command). */
async function idToken(env: Readonly<Record<string, string | undefined>>, audience: string, timeoutMs: number, log: Logger) {
  try {
    return (await fetchGithubIdToken(env, audience, timeoutMs)).token;
  } catch (err) {
    log.warn(`goauth: cannot get the GitHub Actions OIDC token (${(err as Error).message})`);
    return undefined;
  }
}
