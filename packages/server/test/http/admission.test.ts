import { routes } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import type { ActionRecord } from "../../src/storage/index/types.ts";
import { makeTestApp, randomHex, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** An app whose index lookups wait until release() is called, so requests stay in flight. */
function appWithHeldLookups(limits: { maxInFlight: number; maxInFlightPerToken: number }, tokens = TEAM_TOKENS) {
  const made = makeTestApp({ tokens, admission: limits, core: { backendTimeoutMs: 60_000 } });
  const waiting: (() => void)[] = [];
  let holding = true;
  made.index.get = () =>
    holding ? new Promise<ActionRecord | null>((resolve) => waiting.push(() => resolve(null))) : Promise.resolve(null);
  const release = () => {
    holding = false;
    for (const go of waiting.splice(0)) go();
  };
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  return { ...made, waiting, settle, release };
}

describe("admission control", () => {
  it("answers a token over its in-flight limit with 429 at once, while other tokens and the probes still get through", async () => {
    const { app, waiting, settle, release, registry } = appWithHeldLookups({ maxInFlight: 10, maxInFlightPerToken: 2 });
    const held = [app.request(routes.action(randomHex()), as(TOKENS.writer)), app.request(routes.action(randomHex()), as(TOKENS.writer))];
    await settle();
    expect(waiting.length).toBe(2);

    const refused = await app.request(routes.action(randomHex()), as(TOKENS.writer));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(waiting.length).toBe(2); // the refused request never reached the index

    const other = app.request(routes.action(randomHex()), as(TOKENS.other));
    await settle();
    expect(waiting.length).toBe(3);
    expect((await app.request("/healthz")).status).toBe(200);
    expect((await app.request("/readyz")).status).toBe(200);

    release();
    expect((await Promise.all([...held, other])).map((r) => r.status)).toEqual([404, 404, 404]);
    expect((await app.request(routes.action(randomHex()), as(TOKENS.writer))).status).not.toBe(429);
    expect(await registry.getSingleMetricAsString("gocacheprog_requests_shed_total")).toContain('reason="token"} 1');
  });

  it("answers 503 with Retry-After when the server-wide limit is reached; unknown tokens share one budget", async () => {
    const { app, settle, release, waiting } = appWithHeldLookups({ maxInFlight: 3, maxInFlightPerToken: 2 });
    const held = [
      app.request(routes.action(randomHex()), as(TOKENS.writer)),
      app.request(routes.action(randomHex()), as(TOKENS.writer)),
      app.request(routes.action(randomHex()), as(TOKENS.other)),
    ];
    await settle();
    expect(waiting.length).toBe(3);
    const busy = await app.request(routes.action(randomHex()), as(TOKENS.reader));
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(await busy.json()).toEqual({ error: expect.stringContaining("busy") });
    expect((await app.request("/healthz")).status).toBe(200);
    release();
    await Promise.all(held);

    // Random tokens do not each get a budget of their own: they share one and are refused with 401 or 429.
    const statuses = (
      await Promise.all([1, 2, 3, 4].map((i) => app.request(routes.action(randomHex()), as(`made-up-token-${i}-xxxxxxxxxx`))))
    ).map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it("with open access applies only the server-wide limit", async () => {
    const { app, settle, release, waiting } = appWithHeldLookups({ maxInFlight: 3, maxInFlightPerToken: 1 }, "");
    const held = [1, 2, 3].map(() => app.request(routes.action(randomHex())));
    await settle();
    expect(waiting.length).toBe(3);
    expect((await app.request(routes.action(randomHex()))).status).toBe(503);
    release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([404, 404, 404]);
  });
});
