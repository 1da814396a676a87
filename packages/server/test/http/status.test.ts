import { routes } from "@gocacheprog/common";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { CacheCore } from "../../src/cache/core.ts";
import { createApp } from "../../src/http/app.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { Activity } from "../../src/status/activity.ts";
import { GcLog } from "../../src/status/gc-log.ts";
import { registerUsageMetrics } from "../../src/status/metrics.ts";
import type { StatusReport } from "../../src/status/report.ts";
import { SessionLog } from "../../src/status/sessions.ts";
import { FakeBlobStore, FakeIndex, LogCapture, randomHex, sha256Hex, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

const ADMIN = "admin-token-eeeeeeeeeeeeeeeeee";

function statusApp(options: { tokens?: string; public?: boolean } = {}) {
  const registry = new Registry();
  const metrics = new ServerMetrics(registry);
  const logs = new LogCapture();
  const logger = createLogger("trace", logs);
  const activity = new Activity();
  const index = new FakeIndex();
  const core = new CacheCore({
    blobs: new FakeBlobStore(),
    index,
    metrics,
    logger,
    observer: activity,
    options: { inlineMax: 1024, verifyBufferMax: 64 * 1024, backendTimeoutMs: 500, touchIntervalMs: 0 },
  });
  registerUsageMetrics(registry, core.usage);
  const sessions = new SessionLog();
  const report = {
    core,
    activity,
    sessions,
    gcRuns: new GcLog(),
    version: "test",
    startedAtMs: Date.now(),
    gcIntervalMs: 0,
    timeoutMs: 500,
  };
  const auth = new TokenAuth(parseTokens(options.tokens ?? `${TEAM_TOKENS}\n${ADMIN} admin ops`, "test"));
  const app = createApp({ core, auth, metrics, logger, maxBody: 1 << 20, status: { report, sessions, public: options.public ?? false } });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  return {
    app,
    index,
    logs,
    gcRuns: report.gcRuns,
    put: (token: string, data: Buffer, action = randomHex()) =>
      app.request(routes.action(action), {
        method: "PUT",
        headers: { ...bearer(token), "x-gocacheprog-output-id": sha256Hex(data), "content-length": String(data.length) },
        body: data,
      }),
    get: (token: string, action: string) => app.request(routes.action(action), { headers: bearer(token) }),
    status: async (token?: string) => app.request("/v1/status", { headers: token ? bearer(token) : {} }),
    page: (headers: Record<string, string> = {}) => app.request("/", { headers }),
    signIn: (token: string, headers: Record<string, string> = {}) =>
      app.request("/signin", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(`token=${token}`.length), ...headers },
        body: `token=${encodeURIComponent(token)}`,
      }),
    session: (token: string, body: string) =>
      app.request("/v1/sessions", {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
        body,
      }),
    metricsText: () => registry.metrics(),
  };
}

/** team-a: two entries, two hits and one miss; team-b: one entry. */
async function filled() {
  const s = statusApp();
  const a1 = Buffer.alloc(3000, 1);
  const a2 = Buffer.alloc(500, 2);
  const [x, y] = [randomHex(), randomHex()];
  expect((await s.put(TOKENS.writer, a1, x)).status).toBe(201);
  expect((await s.put(TOKENS.writer, a2, y)).status).toBe(201);
  expect((await s.put(TOKENS.other, Buffer.from("secret of team b"))).status).toBe(201);
  expect((await s.get(TOKENS.reader, x)).status).toBe(200);
  expect((await s.get(TOKENS.reader, y)).status).toBe(200);
  expect((await s.get(TOKENS.reader, randomHex())).status).toBe(404);
  return { s, bytesA: a1.length + a2.length };
}

describe("GET /v1/status", () => {
  it("a namespace token sees its namespace's figures and nothing of another namespace", async () => {
    const { s, bytesA } = await filled();
    const res = await s.status(TOKENS.reader);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("team-b");
    const report = JSON.parse(text) as StatusReport;
    expect(report.scope).toBe("team-a");
    expect(report.namespaces.map((n) => n.name)).toEqual(["team-a"]);
    expect(report.totals).toMatchObject({ entries: 2, bytes: bytesA });
    expect(report.totals.lastHour).toMatchObject({ hits: 2, misses: 1, lookups: 3, bytesIn: bytesA, bytesOut: bytesA });
    expect(report.totals.lastHour.hitRate).toBeCloseTo(2 / 3);
    expect(report.hitRateSeries.points.reduce((n, p) => n + p.lookups, 0)).toBe(3);
    expect(report.backends.every((b) => b.healthy)).toBe(true);
    expect(report.buildKeys).toEqual([]);
  });

  it("an admin token sees every namespace; no token or a wrong one is 401", async () => {
    const { s, bytesA } = await filled();
    const report = (await (await s.status(ADMIN)).json()) as StatusReport;
    expect(report.scope).toBe("all");
    expect(report.namespaces.map((n) => [n.name, n.entries])).toEqual([
      ["team-a", 2],
      ["team-b", 1],
    ]);
    expect(report.totals.bytes).toBe(bytesA + "secret of team b".length);
    expect((await s.status()).status).toBe(401);
    expect((await s.status("not-a-token-ffffffffffff")).status).toBe(401);
  });

  it("--status-public shows every namespace without a token", async () => {
    const s = statusApp({ public: true });
    await s.put(TOKENS.other, Buffer.from("b"));
    const report = (await (await s.status()).json()) as StatusReport;
    expect(report.namespaces.map((n) => n.name)).toEqual(["team-b"]);
    expect((await s.page()).status).toBe(200);
  });
});

describe("gc runs", () => {
  it("--status-public shows that a gc pass failed, and its message (hosts, buckets) to an admin of a private page only", async () => {
    for (const [open, viewer, error] of [
      [true, undefined, "failed"],
      [false, ADMIN, "Redis unavailable: connect ECONNREFUSED redis-0.internal:6379"],
    ] as const) {
      const s = statusApp({ public: open });
      s.gcRuns.add({ startedAtMs: Date.now(), durationMs: 5, error: "Redis unavailable: connect ECONNREFUSED redis-0.internal:6379" });
      const report = (await (await s.status(viewer)).json()) as StatusReport;
      expect(report.gc.runs[0]?.error).toBe(error);
    }
  });
});

describe("signing in", () => {
  it("refuses a sign-in or sign-out posted from another site (403), and a form that does not parse with 400, logging no error", async () => {
    const s = statusApp();
    for (const site of ["cross-site", "same-site"]) {
      const refused = await s.signIn(TOKENS.reader, { "sec-fetch-site": site });
      expect(refused.status).toBe(403);
      expect(refused.headers.get("set-cookie")).toBeNull();
      expect((await s.app.request("/signout", { method: "POST", headers: { "sec-fetch-site": site } })).status).toBe(403);
    }
    expect((await s.signIn(TOKENS.reader, { "sec-fetch-site": "same-origin" })).status).toBe(303);
    const garbage = "--a\r\nnot a part";
    const malformed = await s.app.request("/signin", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=a", "content-length": String(garbage.length) },
      body: garbage,
    });
    expect(malformed.status).toBe(400);
    expect(s.logs.text).not.toContain("unexpected error");
  });
});

describe("backend health", () => {
  it("a down index shows as down, with its error for an admin only, and the page still answers", async () => {
    const s = statusApp();
    s.index.mode = "down";
    const admin = (await (await s.status(ADMIN)).json()) as StatusReport;
    expect(admin.backends.find((b) => b.name === "index")).toMatchObject({ healthy: false, error: expect.any(String) });
    expect(admin.backends.find((b) => b.name === "blob store")).toMatchObject({ healthy: true });
    const team = (await (await s.status(TOKENS.reader)).json()) as StatusReport;
    expect(team.backends.find((b) => b.name === "index")).toEqual({ name: "index", kind: "embedded", healthy: false });
    const page = await (await s.page({ authorization: `Bearer ${TOKENS.reader}` })).text();
    expect(page).toContain('data-backend="index">down<');
  });
});

describe("the status page", () => {
  it("signs in through the form into an HttpOnly SameSite=Strict cookie, never a token in a URL, and signs out", async () => {
    const { s } = await filled();
    const form = await s.page();
    expect(form.status).toBe(200);
    expect(form.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await form.text()).toContain('action="/signin"');

    const signIn = await s.signIn(TOKENS.reader);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("location")).toBe("/");
    const cookie = signIn.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);

    const page = await s.page({ cookie: cookie.split(";")[0] as string });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('data-figure="entries">2<');
    expect(html).toContain('data-figure="hit-rate-hour">66.7 %<');
    expect(html).toContain('<svg id="hit-rate-chart"');
    expect(html).not.toContain("team-b");
    expect(html).not.toContain(TOKENS.reader);

    const out = await s.app.request("/signout", { method: "POST" });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });

  it("refuses a wrong token at sign-in without a cookie; a cookie whose token was removed asks to sign in again", async () => {
    const { s } = await filled();
    const wrong = await s.signIn("wrong-token-gggggggggggggggg");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBe(null);
    const stale = await s.page({ cookie: "gocacheprog_session=removed-token-hhhhhhhhhhhh" });
    expect(await stale.text()).toContain("sign in again");
    expect(stale.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  });

  it("escapes what clients report", async () => {
    const { s } = await filled();
    const body = JSON.stringify({ buildKey: "<script>alert(1)</script>", hits: 1, misses: 0 });
    expect((await s.session(TOKENS.writer, body)).status).toBe(201);
    const html = await (await s.page({ authorization: `Bearer ${TOKENS.reader}` })).text();
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
  });
});

describe("POST /v1/sessions", () => {
  it("records a session under the token's namespace only; bad reports are refused and nothing is recorded", async () => {
    const { s } = await filled();
    const good = { buildKey: "acme/app go test ./...", hits: 40, misses: 2, prefetchUsed: 38, durationMs: 5200, savedMs: 61000 };
    expect((await s.session(TOKENS.reader, JSON.stringify(good))).status).toBe(201);
    const refusals: [string, number][] = [
      ["{not json", 400],
      [JSON.stringify({ buildKey: "x" }), 400],
      [JSON.stringify({ ...good, hits: -1 }), 400],
      [JSON.stringify({ ...good, buildKey: "a\nb" }), 400],
      [JSON.stringify({ ...good, buildKey: "k".repeat(9000) }), 413],
    ];
    for (const [body, status] of refusals) expect((await s.session(TOKENS.writer, body)).status, body.slice(0, 40)).toBe(status);
    expect((await s.app.request("/v1/sessions", { method: "POST", body: JSON.stringify(good) })).status).toBe(401);

    const mine = (await (await s.status(TOKENS.reader)).json()) as StatusReport;
    expect(mine.buildKeys).toHaveLength(1);
    expect(mine.buildKeys[0]).toMatchObject({ namespace: "team-a", buildKey: good.buildKey, sessions: [good] });
    const theirs = (await (await s.status(TOKENS.other)).json()) as StatusReport;
    expect(theirs.buildKeys).toEqual([]);
  });
});

describe("metrics", () => {
  it("request latency by matched route, and entries and stored bytes per namespace", async () => {
    const { s, bytesA } = await filled();
    const text = await s.metricsText();
    expect(text).toMatch(/gocacheprog_http_request_duration_seconds_count\{route="\/v1\/actions\/:id",method="GET"\} 3/);
    expect(text).toContain('gocacheprog_namespace_entries{namespace="team-a"} 2');
    expect(text).toContain(`gocacheprog_namespace_stored_bytes{namespace="team-a"} ${bytesA}`);
  });
});
