import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { Admission, type AdmissionLimits } from "../../src/http/admission.ts";
import { guardRequests, MAX_PIPELINED } from "../../src/http/pipelining.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { LogCapture, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

const bearer = (token: string) => `Bearer ${token}`;

function admission(limits: AdmissionLimits, tokens = TEAM_TOKENS) {
  const registry = new Registry();
  const logs = new LogCapture();
  const gate = new Admission(limits, {
    auth: new TokenAuth(parseTokens(tokens, "t")),
    metrics: new ServerMetrics(registry),
    logger: createLogger("warn", logs),
  });
  return { gate, registry, logs };
}

describe("admission control", () => {
  it("refuses a token over its in-flight limit with 429 while other tokens and the probes still get through", async () => {
    const { gate, registry } = admission({ maxInFlight: 10, maxInFlightPerToken: 2 });
    const a = [gate.admit("/v1/actions/x", bearer(TOKENS.writer)), gate.admit("/v1/actions/x", bearer(TOKENS.writer))];
    expect(a.every((t) => t.admitted)).toBe(true);
    expect(gate.admit("/v1/actions/x", bearer(TOKENS.writer))).toMatchObject({ admitted: false, status: 429 });
    expect(gate.admit("/v1/actions/x", bearer(TOKENS.other)).admitted).toBe(true);
    for (const probe of ["/healthz", "/readyz", "/metrics"]) expect(gate.admit(probe, undefined).admitted).toBe(true);
    for (const t of a) if (t.admitted) t.release();
    expect(gate.admit("/v1/actions/x", bearer(TOKENS.writer)).admitted).toBe(true);
    expect(await registry.getSingleMetricAsString("gocacheprog_requests_shed_total")).toContain('reason="token"} 1');
  });

  it("refuses everyone with 503 at the server-wide limit; a release counts once however often it is called", () => {
    const { gate } = admission({ maxInFlight: 2, maxInFlightPerToken: 2 });
    const first = gate.admit("/gomod/x/@v/list", bearer(TOKENS.writer));
    gate.admit("/v1/x", bearer(TOKENS.other));
    expect(gate.admit("/v1/x", bearer(TOKENS.reader))).toMatchObject({ admitted: false, status: 503 });
    if (first.admitted) for (let i = 0; i < 3; i++) first.release();
    expect(gate.admit("/v1/x", bearer(TOKENS.reader)).admitted).toBe(true);
    expect(gate.admit("/v1/x", bearer(TOKENS.reader))).toMatchObject({ admitted: false, status: 503 });
  });

  it("gives unknown tokens one shared budget (random tokens mint none), and open access only the server-wide limit", () => {
    const { gate } = admission({ maxInFlight: 100, maxInFlightPerToken: 2 });
    const made = [1, 2, 3].map((i) => gate.admit("/v1/x", bearer(`made-up-token-${i}-xxxxxxxxxx`)));
    expect(made.map((t) => t.admitted)).toEqual([true, true, false]);
    // The module proxy's Basic form (token as the password) shares the token's budget, whatever the user name.
    const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;
    const viaBasic = [
      gate.admit("/gomod/x/@v/list", basic("go", TOKENS.reader)),
      gate.admit("/gomod/x/@v/list", basic("ci", TOKENS.reader)),
    ];
    expect(viaBasic.map((t) => t.admitted)).toEqual([true, true]);
    expect(gate.admit("/v1/x", bearer(TOKENS.reader))).toMatchObject({ admitted: false, status: 429 });
    const open = admission({ maxInFlight: 3, maxInFlightPerToken: 1 }, "").gate;
    expect([1, 2, 3, 4].map(() => open.admit("/v1/x", undefined).admitted)).toEqual([true, true, true, false]);
  });

  it("keys a token's budget on the token, however its header spells it (scheme case, spaces, Basic with any user name)", async () => {
    const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;
    const spellings = [
      `Bearer ${TOKENS.writer}`,
      `bearer  ${TOKENS.writer}`,
      `BEARER ${TOKENS.writer}`,
      `Bearer ${TOKENS.writer} `,
      basic("go", TOKENS.writer),
    ];
    const { gate, registry } = admission({ maxInFlight: 100, maxInFlightPerToken: spellings.length });
    const held = spellings.map((authorization) => gate.admit("/v1/actions/x", authorization));
    expect(held.map((t) => t.admitted)).toEqual(spellings.map(() => true));
    // The budget is spent whatever the next request's spelling: each one is the N+1th of the same token.
    for (const authorization of [...spellings, `bEaReR   ${TOKENS.writer}`, basic("ci", TOKENS.writer)])
      expect(gate.admit("/v1/actions/x", authorization), authorization).toMatchObject({ admitted: false, status: 429 });
    expect(gate.admit("/v1/actions/x", bearer(TOKENS.other)).admitted).toBe(true);
    const first = held[0]!;
    if (first.admitted) first.release();
    expect(gate.admit("/v1/actions/x", `BEARER ${TOKENS.writer}`).admitted).toBe(true);
    expect(await registry.getSingleMetricAsString("gocacheprog_requests_shed_total")).toContain('reason="token"} 7');
  });
});

describe("in front of the app (guardRequests on a real port)", () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  /** A server whose app holds every response until release(). */
  async function held(limits: AdmissionLimits) {
    const { gate } = admission(limits);
    const waiting: ServerResponse[] = [];
    let appCalls = 0;
    const server = createServer(
      guardRequests((_req, res) => {
        appCalls++;
        waiting.push(res);
      }, gate),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const release = () => {
      for (const res of waiting.splice(0)) res.end("ok");
    };
    return { url, waiting, release, appCalls: () => appCalls };
  }

  it("answers over-limit requests at once with 429/503 and Retry-After, without calling the app", async () => {
    const { url, waiting, release, appCalls } = await held({ maxInFlight: 3, maxInFlightPerToken: 2 });
    const get = (token: string) => fetch(`${url}/v1/actions/x`, { headers: { authorization: bearer(token) } });
    const pending = [get(TOKENS.writer), get(TOKENS.writer)];
    while (waiting.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const refused = await get(TOKENS.writer);
    expect([refused.status, refused.headers.get("retry-after")]).toEqual([429, "1"]);
    expect(await refused.json()).toEqual({ error: expect.stringContaining("token") });
    pending.push(get(TOKENS.other));
    while (waiting.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const busy = await get(TOKENS.reader);
    expect([busy.status, busy.headers.get("retry-after")]).toEqual([503, "1"]);
    expect(appCalls()).toBe(3);
    release();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200]);
    // Slots come back when the responses are sent.
    const again = get(TOKENS.writer);
    while (waiting.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    expect((await again).status).toBe(200);
  });

  it("sheds the N+1th concurrent request of one token with 429 however each request spells its header", async () => {
    const { url, waiting, release, appCalls } = await held({ maxInFlight: 10, maxInFlightPerToken: 2 });
    const get = (authorization: string) => fetch(`${url}/v1/actions/x`, { headers: { authorization } });
    const pending = [get(`Bearer ${TOKENS.writer}`), get(`bearer  ${TOKENS.writer}`)];
    while (waiting.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const basic = `Basic ${Buffer.from(`go:${TOKENS.writer}`).toString("base64")}`;
    for (const authorization of [`BEARER ${TOKENS.writer}`, basic]) {
      // Answered at once, or it was admitted (and the app holds it): then the timeout fails the test.
      const refused = await fetch(`${url}/v1/actions/x`, { headers: { authorization }, signal: AbortSignal.timeout(2000) });
      expect([refused.status, refused.headers.get("retry-after")]).toEqual([429, "1"]);
    }
    expect(appCalls()).toBe(2);
    release();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200]);
  });

  it(`cuts a connection that pipelines more than ${MAX_PIPELINED} requests; the app sees at most that many`, async () => {
    const { url, appCalls } = await held({ maxInFlight: 1000, maxInFlightPerToken: 1000 });
    const { port } = new URL(url);
    const { connect } = await import("node:net");
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write("GET /v1/x HTTP/1.1\r\nHost: x\r\n\r\n".repeat(500)));
      socket.on("error", () => resolve());
      socket.on("close", () => resolve());
    });
    expect(appCalls()).toBe(MAX_PIPELINED);
  });

  it("gives back the slots of a cut connection's requests, answered or not", async () => {
    const { url, appCalls, waiting, release } = await held({ maxInFlight: 1000, maxInFlightPerToken: MAX_PIPELINED });
    const { port } = new URL(url);
    const { connect } = await import("node:net");
    const request = `GET /v1/x HTTP/1.1\r\nHost: x\r\nAuthorization: ${bearer(TOKENS.writer)}\r\n\r\n`;
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), "127.0.0.1", () => socket.write(request.repeat(100)));
      socket.on("error", () => resolve());
      socket.on("close", () => resolve());
    });
    expect(appCalls()).toBe(MAX_PIPELINED);
    // The app never answered any of them; the token's whole budget must be free again anyway.
    const again = [1, 2, 3].map(() => fetch(`${url}/v1/x`, { headers: { authorization: bearer(TOKENS.writer) } }));
    while (waiting.length < MAX_PIPELINED + 3) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    expect((await Promise.all(again)).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
