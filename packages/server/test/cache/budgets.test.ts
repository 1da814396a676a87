import { randomBytes } from "node:crypto";
import { headers, routes, sha256Hex } from "@gocacheprog/common";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { CacheCore } from "../../src/cache/core.ts";
import { runGc } from "../../src/cache/gc.ts";
import { scheduleGc } from "../../src/cache/gc-schedule.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { LogCapture, makeTestApp, randomHex, TOKENS } from "../support/fakes.ts";

const logger = createLogger("silent", new LogCapture());
const KB = 1000;

describe("per-namespace budgets in the tokens configuration", () => {
  it("reads maxSize and maxEntries from lines and JSON, and refuses two budgets for one namespace", () => {
    const lines = parseTokens(`${TOKENS.writer} read-write team-a maxSize=2MiB maxEntries=100\n${TOKENS.reader} read team-a`, "t");
    expect(new TokenAuth(lines).budgets.get("team-a")).toEqual({ maxSizeBytes: 2 * 1024 * 1024, maxEntries: 100 });
    const json = parseTokens(JSON.stringify([{ token: TOKENS.other, scope: "read", namespace: "b", maxSize: 5000 }]), "t");
    expect(new TokenAuth(json).budgets.get("b")).toEqual({ maxSizeBytes: 5000 });
    expect(() => parseTokens(`${TOKENS.writer} read-write a maxSize=lots`, "t")).toThrow(/maxSize/);
    expect(() => parseTokens(`${TOKENS.writer} read-write a colour=red`, "t")).toThrow(/entry 1/);
    expect(
      () => new TokenAuth(parseTokens(`${TOKENS.writer} read-write a maxSize=1MiB,${TOKENS.reader} read a maxSize=2MiB`, "t")),
    ).toThrow(/two different budgets/);
  });
});

/** Team A (shared pool) and team B (its own budget) writing through the app. */
function twoTeams(budgetB: string) {
  const tokens = `${TOKENS.writer} read-write team-a\n${TOKENS.other} read-write team-b ${budgetB}`;
  let now = Date.now();
  const made = makeTestApp({ tokens, core: { inlineMax: 0 }, now: () => now });
  const put = async (token: string, size: number) => {
    const data = randomBytes(size);
    const action = randomHex();
    const res = await made.app.request(routes.action(action), {
      method: "PUT",
      body: data,
      headers: { authorization: `Bearer ${token}`, [headers.outputId]: sha256Hex(data), "content-length": String(size) },
    });
    expect(res.status).toBe(201);
    now += 1000; // later puts are more recently used
    return action;
  };
  const has = async (token: string, action: string) =>
    (await made.app.request(routes.action(action), { method: "HEAD", headers: { authorization: `Bearer ${token}` } })).status === 200;
  const gc = (maxSizeBytes: number) =>
    runGc(
      { blobs: made.blobs, index: made.index, logger },
      { maxAgeMs: 0, maxSizeBytes, graceMs: 0, namespaces: new TokenAuth(parseTokens(tokens, "t")).budgets },
      now,
    );
  return { ...made, put, has, gc };
}

describe("gc with namespace budgets", () => {
  it("evicts a namespace over its own budget inside that namespace only: A's entries survive B filling its budget", async () => {
    const { put, has, gc } = twoTeams("maxSize=2MB");
    const a = [await put(TOKENS.writer, 700 * KB), await put(TOKENS.writer, 700 * KB)];
    const b = [];
    for (let i = 0; i < 4; i++) b.push(await put(TOKENS.other, 700 * KB));
    // The shared --max-size (2 MB) counts only the namespaces without a budget: A's 1.4 MB fits.
    const report = await gc(2 * 1000 * KB);
    expect(report.namespaces["team-b"]).toMatchObject({ entries: 4, evictedForSize: 2, bytesAfter: 1400 * KB });
    expect(report.evictedForSize).toBe(2);
    expect(await Promise.all(a.map((action) => has(TOKENS.writer, action)))).toEqual([true, true]);
    // B lost its least recently used entries, not its newest.
    expect(await Promise.all(b.map((action) => has(TOKENS.other, action)))).toEqual([false, false, true, true]);
  });

  it("enforces maxEntries the same way", async () => {
    const { put, has, gc } = twoTeams("maxEntries=2");
    const a = await put(TOKENS.writer, 5 * KB);
    const b = [await put(TOKENS.other, 5 * KB), await put(TOKENS.other, 5 * KB), await put(TOKENS.other, 5 * KB)];
    await gc(0);
    expect(await has(TOKENS.writer, a)).toBe(true);
    expect(await Promise.all(b.map((action) => has(TOKENS.other, action)))).toEqual([false, true, true]);
  });
});

describe("budget checked on write", () => {
  it("starts a gc pass early when a write leaves a namespace over its budget, not when under it", async () => {
    const tokens = `${TOKENS.writer} read-write team-a\n${TOKENS.other} read-write team-b maxSize=10kB`;
    const calls: string[] = [];
    const made = makeTestApp({ tokens, core: { inlineMax: 0 } });
    const core = new CacheCore({
      blobs: made.blobs,
      index: made.index,
      metrics: new ServerMetrics(new Registry()),
      logger,
      options: { inlineMax: 0, verifyBufferMax: 1 << 20, backendTimeoutMs: 1000, touchIntervalMs: 0 },
      budget: {
        maxSizeBytes: 1 << 30,
        namespaces: new TokenAuth(parseTokens(tokens, "t")).budgets,
        overBudget: () => calls.push("gc"),
      },
    });
    const write = (ns: string, size: number) => {
      const data = randomBytes(size);
      return core.put(
        ns,
        randomHex(),
        sha256Hex(data),
        size,
        (async function* () {
          yield data;
        })(),
      );
    };
    await write("team-b", 6 * KB);
    await write("team-a", 50 * KB);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual([]);
    await write("team-b", 6 * KB);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual(["gc"]);
  });

  it("runs at most one early pass per spacing, however many writes ask", async () => {
    let passes = 0;
    const gc = scheduleGc(async () => void passes++, 3600e3, logger, 3600e3);
    for (let i = 0; i < 50; i++) gc.runSoon();
    await gc.stop();
    expect(passes).toBe(1);
  });
});
