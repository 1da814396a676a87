import type { Server } from "node:http";
import { connect } from "node:net";
import { routes } from "@gocacheprog/common";
import { afterAll, describe, expect, it } from "vitest";
import { makeTestApp, randomHex, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";
import { serveGuarded } from "../support/guarded.ts";

const servers: Server[] = [];
let releaseBackend = () => {};
afterAll(() => {
  releaseBackend();
  for (const s of servers) s.close();
});

describe("admission control vs clients that hang up", () => {
  it("bounds the backend work in progress by --max-in-flight even when each client disconnects right after its request", async () => {
    const { app, index, logs } = makeTestApp({ tokens: TEAM_TOKENS, core: { backendTimeoutMs: 10_000 } });
    // A slow index: every lookup waits until the test ends. Count the lookups in progress.
    let inProgress = 0;
    let started = 0;
    const held = new Promise<void>((resolve) => {
      releaseBackend = resolve;
    });
    const original = index.get.bind(index);
    index.get = async (ns, hex) => {
      started++;
      inProgress++;
      try {
        await held;
        return await original(ns, hex);
      } finally {
        inProgress--;
      }
    };
    const { server, port } = await serveGuarded(app, { maxInFlight: 2, maxInFlightPerToken: 2 }, logs);
    servers.push(server);

    // Ten clients, one after another: each sends a GET for a (missing) entry and hangs up once the
    // server has started looking it up.
    for (let i = 0; i < 10; i++) {
      const before = started;
      const socket = connect(port, "127.0.0.1", () =>
        socket.write(`GET ${routes.action(randomHex())} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.reader}\r\n\r\n`),
      );
      socket.on("error", () => {});
      const deadline = Date.now() + 1000;
      while (started === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      socket.destroy();
      await new Promise((r) => setTimeout(r, 20));
    }
    // With --max-in-flight 2 (and 2 per token), at most 2 lookups should be running at once.
    expect(inProgress).toBeLessThanOrEqual(2);
    // Once the app is done with them, their slots come back: a new request is served, not shed.
    releaseBackend();
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (
        await fetch(`http://127.0.0.1:${port}${routes.action(randomHex())}`, { headers: { authorization: `Bearer ${TOKENS.reader}` } })
      ).status;
      if (status === 404) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(404);
  });
});
