import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percent } from "../packages/server/src/status/chart.ts";
import { bytes, count } from "../packages/server/src/status/page.ts";
import type { StatusReport } from "../packages/server/src/status/report.ts";
import { repoRoot } from "./harness/bins.ts";
import { GoSandbox } from "./harness/go.ts";
import { copyDir, describeRun, remoteEnv, runRemote, stdlibClientDir } from "./harness/runners.ts";
import { type CacheServer, newToken, startCacheServer } from "./harness/server.ts";

/** Debian's chromium (scripts/install-test-deps.sh); playwright-core only drives it, it downloads nothing. */
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** Kept after the run (gitignored): what the page looked like, for a person to look at. */
const ARTIFACTS = path.join(repoRoot, "test", "artifacts");

const sandbox = GoSandbox.create();
const teamWriter = newToken();
const teamReader = newToken();
const otherWriter = newToken();
const admin = newToken();
let server: CacheServer;
let browser: Browser;
/** The last go command team-a ran: what the status page's build key row must show. */
let lastTeamRun: { hits: number; misses: number };

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: run scripts/install-test-deps.sh (apt chromium) or set CHROMIUM_PATH`);
  server = await startCacheServer({
    tokens: [
      { token: teamWriter, scope: "read-write", namespace: "team-a" },
      { token: teamReader, scope: "read", namespace: "team-a" },
      { token: otherWriter, scope: "read-write", namespace: "secret-team" },
      { token: admin, scope: "admin", namespace: "ops" },
    ],
  });
  const stdlib = await stdlibClientDir(sandbox);
  const runner = (token: string) => ({
    goCache: sandbox.dir("gocache"),
    clientDir: copyDir(sandbox, stdlib),
    env: remoteEnv(server.url, token),
  });
  // A real build fills team-a; a second, fresh runner with the read token gets its hits.
  for (const [label, token] of [
    ["writer go build", teamWriter],
    ["reader go build", teamReader],
  ] as const) {
    const run = await runRemote(sandbox, ["build", "./..."], runner(token));
    console.info(describeRun(label, run));
    expect(run.code, run.stderr).toBe(0);
    lastTeamRun = { hits: run.stats.hits, misses: run.stats.misses };
  }
  // Another namespace with data of its own, which team-a's tokens must never see.
  const other = await runRemote(sandbox, ["build", "./..."], runner(otherWriter));
  expect(other.code, other.stderr).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  sandbox.remove();
});

async function apiStatus(token: string): Promise<StatusReport> {
  const res = await fetch(`${server.url}/v1/status`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as StatusReport;
}

/** Signs in through the form in a fresh browser context; collects every console error and page error. */
async function signIn(token: string) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  const urls: string[] = [];
  page.on("request", (request) => urls.push(request.url()));
  await page.goto(server.url);
  await page.fill('input[name="token"]', token);
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type="submit"]')]);
  await page.waitForSelector("#hit-rate-chart");
  return { context, page, errors, urls };
}

describe("the status page in a real browser (headless Chromium)", () => {
  it("shows the figures /v1/status reports after real go builds, with no console errors, and never another namespace", async () => {
    const report = await apiStatus(teamReader);
    expect(report.scope).toBe("team-a");
    expect(report.totals.entries).toBeGreaterThan(0);
    expect(report.totals.lastHour.hits).toBeGreaterThan(0);
    expect(report.totals.lastHour.bytesIn).toBeGreaterThan(0);

    const { context, page, errors, urls } = await signIn(teamReader);
    try {
      const figure = (name: string) => page.textContent(`[data-figure="${name}"]`);
      expect(await figure("entries")).toBe(count(report.totals.entries));
      expect(await figure("bytes")).toBe(bytes(report.totals.bytes));
      expect(await figure("hit-rate-hour")).toBe(percent(report.totals.lastHour.hitRate));
      expect(await figure("hit-rate-day")).toBe(percent(report.totals.lastDay.hitRate));
      expect(await figure("bytes-in")).toBe(bytes(report.totals.lastDay.bytesIn));
      expect(await page.$$eval("#namespaces tbody tr", (rows) => rows.map((row) => row.getAttribute("data-namespace")))).toEqual([
        "team-a",
      ]);
      // The client reported each go command (POST /v1/sessions): one build key, its last session first.
      expect(report.buildKeys.map((k) => k.namespace)).toEqual(["team-a"]);
      expect(report.buildKeys[0]?.buildKey).toMatch(/ go build$/);
      expect(report.buildKeys[0]?.sessions[0]).toMatchObject(lastTeamRun);
      const keyRow = await page.$$eval("#build-keys tbody td", (cells) => cells.map((cell) => cell.textContent));
      expect(keyRow.slice(0, 2)).toEqual(["team-a", report.buildKeys[0]?.buildKey]);
      expect(keyRow.slice(3, 5)).toEqual([String(lastTeamRun.hits), String(lastTeamRun.misses)]);
      // The chart has a bar for the steps with lookups.
      expect(await page.$$eval("#hit-rate-chart rect.bar", (bars) => bars.length)).toBeGreaterThan(0);
      expect(await page.textContent("body")).not.toContain("secret-team");
      expect(await page.content()).not.toContain("secret-team");

      const cookies = await context.cookies();
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ name: "gocacheprog_session", httpOnly: true, sameSite: "Strict", path: "/" });
      // The token went in a form body only: no URL the browser asked for holds it.
      expect(urls.filter((url) => url.includes(teamReader))).toEqual([]);
      expect(errors).toEqual([]);

      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, "status-page.png"), fullPage: true });

      await Promise.all([page.waitForURL(`${server.url}/`), page.click('form[action="/signout"] button')]);
      expect(await context.cookies()).toEqual([]);
      expect(await page.isVisible('input[name="token"]')).toBe(true);
    } finally {
      await context.close();
    }
  });

  it("an admin token sees every namespace; a wrong token gets the form again and no cookie", async () => {
    const report = await apiStatus(admin);
    expect(report.namespaces.map((n) => n.name).sort()).toEqual(["secret-team", "team-a"]);
    const { context, page, errors } = await signIn(admin);
    try {
      const rows = await page.$$eval("#namespaces tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-namespace")));
      expect(rows.sort()).toEqual(["secret-team", "team-a"]);
      expect(await page.textContent('[data-figure="entries"]')).toBe(count(report.totals.entries));
      expect(errors).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, "status-page-admin.png"), fullPage: true });
    } finally {
      await context.close();
    }

    const context2 = await browser.newContext();
    try {
      const page = await context2.newPage();
      await page.goto(server.url);
      await page.fill('input[name="token"]', "not-a-token-at-all-0000");
      await Promise.all([page.waitForLoadState(), page.click('button[type="submit"]')]);
      expect(await page.textContent("#sign-in-error")).toContain("not valid");
      expect(await context2.cookies()).toEqual([]);
    } finally {
      await context2.close();
    }
  });
});
