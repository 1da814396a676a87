import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/ops/log.ts";
import { goauthResponse } from "../../src/remote/goauth.ts";

/**
 * go's side, after cmd/go/internal/auth: parseUserAuth + storeCredential keep each URL line as
 * TrimSuffix(TrimPrefix(u.String(), "https://"), "/"); loadCredential looks a request up by
 * u.Host + u.EscapedPath(), walking up the path. Go's url.Parse neither lowercases the host nor drops
 * a default port, and the GOPROXY go requests from is `$GOCACHEPROG_URL/gomod` (action/setup.sh,
 * ci/gitlab, README), so the host is spelled exactly as in GOCACHEPROG_URL.
 */
function goSendsToken(goauthOutput: string, requestUrl: string): boolean {
  const [urlBlock] = goauthOutput.split("\n\n");
  const stored = new Set(
    (urlBlock ?? "")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.replace(/^https:\/\//, "").replace(/\/$/, "")),
  );
  // go: u.Host + u.EscapedPath(), as written (no case folding, no port normalisation).
  const m = /^https:\/\/([^/]+)(\/.*)?$/.exec(requestUrl);
  let prefix = `${m?.[1]}${m?.[2] ?? ""}`.replace(/\/$/, "");
  for (;;) {
    if (stored.has(prefix)) return true;
    const slash = prefix.lastIndexOf("/");
    if (slash < 0) return false;
    prefix = prefix.slice(0, slash);
  }
}

const log = createLogger("error", () => {});

describe("goauth prefix as go matches it against GOPROXY=$GOCACHEPROG_URL/gomod", () => {
  for (const url of ["https://cache.example.com:443/base", "https://Cache.Example.com/base"]) {
    it(`GOCACHEPROG_URL=${url}`, async () => {
      const out = await goauthResponse({ GOCACHEPROG_URL: url, GOCACHEPROG_TOKEN: "tok-0123456789" }, log);
      expect(out).toContain("Authorization: Bearer tok-0123456789");
      expect(goSendsToken(out, `${url}/gomod/example.com/m/@v/list`), out).toBe(true);
    });
  }
});
