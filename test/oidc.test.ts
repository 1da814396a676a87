import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StatusReport } from "../packages/server/src/status/report.ts";
import { GoSandbox } from "./harness/go.ts";
import { type OidcIssuer, startOidcIssuer } from "./harness/oidc-issuer.ts";
import { copyDir, describeRun, runRemote, stdlibClientDir } from "./harness/runners.ts";
import { type CacheServer, newToken, startCacheServer } from "./harness/server.ts";

/**
 * CI without a stored secret: the client asks the runner's token endpoint (GOCACHEPROG_TOKEN_SOURCE=
 * github-oidc) for the job's OIDC token, and the server verifies it against the issuer's discovery
 * document and JWKS and maps its claims to a namespace and scope. Issuer and runner endpoints are
 * on loopback, with a key made for this run.
 */
const sandbox = GoSandbox.create();
const admin = newToken();
let issuer: OidcIssuer;
let server: CacheServer;
let stdlib: string;

const RULES = [
  { claims: { repository: "acme/app", ref: "refs/heads/main", event_name: "push" }, namespace: "app", scope: "read-write" },
  { claims: { repository: "acme/app", event_name: "pull_request" }, namespace: "app", scope: "read" },
];

beforeAll(async () => {
  issuer = await startOidcIssuer();
  server = await startCacheServer({
    tokens: [{ token: admin, scope: "admin", namespace: "ops" }],
    env: {
      GOCACHEPROG_SERVER_OIDC_ISSUERS: issuer.url,
      GOCACHEPROG_SERVER_OIDC_AUDIENCE: "gocache-test",
      GOCACHEPROG_SERVER_OIDC_RULES: JSON.stringify(RULES),
    },
  });
  stdlib = await stdlibClientDir(sandbox);
});

afterAll(async () => {
  await server?.close();
  await issuer?.close();
  sandbox.remove();
});

/** A fresh runner (its own GOCACHE and client dir) of a job with these claims. */
function job(claims: Record<string, string> | null) {
  const endpoint = claims ? issuer.runnerEndpoint(claims) : null;
  return {
    goCache: sandbox.dir("gocache"),
    clientDir: copyDir(sandbox, stdlib),
    env: {
      GOCACHEPROG_URL: server.url,
      GOCACHEPROG_TOKEN_SOURCE: "github-oidc",
      GOCACHEPROG_OIDC_AUDIENCE: "gocache-test",
      ...(endpoint ? { ACTIONS_ID_TOKEN_REQUEST_URL: endpoint.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: endpoint.requestToken } : {}),
    },
  };
}

async function entriesOfApp(): Promise<number> {
  const res = await fetch(`${server.url}/v1/status`, { headers: { authorization: `Bearer ${admin}` } });
  const report = (await res.json()) as StatusReport;
  return report.namespaces.find((n) => n.name === "app")?.entries ?? 0;
}

describe("GitHub Actions OIDC end to end (real go, client fetches its own token)", () => {
  it("a main-branch push job writes; a pull-request job of the same repository reads and stores nothing", async () => {
    const issuedBefore = issuer.issued;
    const main = await runRemote(sandbox, ["build", "./..."], job({ repository: "acme/app", ref: "refs/heads/main", event_name: "push" }));
    console.info(describeRun("main-branch job", main));
    expect(main.code, main.stderr).toBe(0);
    expect(issuer.issued).toBeGreaterThan(issuedBefore);
    expect(main.stats.remoteErrors).toBe(0);
    expect(main.stats.uploads).toBeGreaterThan(0);
    const stored = await entriesOfApp();
    expect(stored).toBeGreaterThan(0);

    const pr = await runRemote(
      sandbox,
      ["test", "./..."],
      job({ repository: "acme/app", ref: "refs/pull/7/merge", event_name: "pull_request" }),
    );
    console.info(describeRun("pull-request job", pr));
    expect(pr.code, pr.stderr).toBe(0);
    expect(pr.stats.remoteHits).toBeGreaterThan(0);
    expect(pr.stats.uploads).toBe(0);
    expect(await entriesOfApp()).toBe(stored);
    // Its uploads were tried and refused: a batch of small outputs (POST), or a large one's PUT.
    const refused = await Promise.all([
      server.metric("gocacheprog_http_requests_total", { method: "PUT", status: "403" }),
      server.metric("gocacheprog_http_requests_total", { route: routes.batchUpload, status: "403" }),
    ]);
    expect(refused[0] + refused[1]).toBeGreaterThan(0);
  });

  it("a job without the id-token permission, or of another repository, builds uncached and never fails", async () => {
    const stored = await entriesOfApp();
    const noPermission = await runRemote(sandbox, ["build", "./..."], job(null));
    expect(noPermission.code, noPermission.stderr).toBe(0);
    expect(noPermission.stderr).toContain("id-token: write");
    expect(noPermission.stats.remoteHits + noPermission.stats.uploads).toBe(0);

    const stranger = await runRemote(
      sandbox,
      ["build", "./..."],
      job({ repository: "evil/fork", ref: "refs/heads/main", event_name: "push" }),
    );
    expect(stranger.code, stranger.stderr).toBe(0);
    expect(stranger.stats.remoteHits + stranger.stats.uploads).toBe(0);
    expect(await entriesOfApp()).toBe(stored);
  });
});
