import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { CacheCore } from "../../src/cache/core.ts";
import { createApp } from "../../src/http/app.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { Activity } from "../../src/status/activity.ts";
import { GcLog } from "../../src/status/gc-log.ts";
import { SessionLog } from "../../src/status/sessions.ts";
import { FakeBlobStore, FakeIndex, LogCapture, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

function statusApp() {
  const metrics = new ServerMetrics(new Registry());
  const logger = createLogger("trace", new LogCapture());
  const activity = new Activity();
  const core = new CacheCore({
    blobs: new FakeBlobStore(),
    index: new FakeIndex(),
    metrics,
    logger,
    observer: activity,
    options: { inlineMax: 1024, verifyBufferMax: 64 * 1024, backendTimeoutMs: 500, touchIntervalMs: 0 },
  });
  const sessions = new SessionLog();
  const report = { core, activity, sessions, gcRuns: new GcLog(), version: "t", startedAtMs: Date.now(), gcIntervalMs: 0, timeoutMs: 500 };
  const auth = new TokenAuth(parseTokens(TEAM_TOKENS, "test"));
  return createApp({ core, auth, metrics, logger, maxBody: 1 << 20, status: { report, sessions, public: false } });
}

describe("status page behind a Basic-auth proxy (the browser sends Authorization: Basic on every request)", () => {
  it("a signed-in visitor sees the page; the Basic header is not taken for a cache token", async () => {
    const app = statusApp();
    const body = `token=${encodeURIComponent(TOKENS.reader)}`;
    const signIn = await app.request("/signin", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": String(body.length),
        authorization: "Basic b3BzOnB3",
      },
      body,
    });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const page = await app.request("/", { headers: { cookie, authorization: "Basic b3BzOnB3" } });
    const html = await page.text();
    expect(page.status, html.slice(0, 300)).toBe(200);
    expect(html).toContain("namespace <b>team-a</b>");
    expect(page.headers.get("set-cookie")).toBeNull();
  });
});
