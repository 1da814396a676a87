import type { Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { makeTestApp, TEAM_TOKENS } from "../support/fakes.ts";
import { serveGuarded } from "../support/guarded.ts";

const servers: Server[] = [];
let releaseBackend = () => {};
afterAll(() => {
  releaseBackend();
  for (const s of servers) s.close();
});

describe("/readyz under a flood of unauthenticated probes", () => {
  it("does not turn each anonymous /readyz into its own backend calls beyond --max-in-flight", async () => {
    const { app, index, blobs, logs } = makeTestApp({ tokens: TEAM_TOKENS, core: { backendTimeoutMs: 10_000 } });
    let indexPings = 0;
    let blobPings = 0;
    const held = new Promise<void>((resolve) => {
      releaseBackend = resolve;
    });
    index.ping = async () => {
      indexPings++;
      await held;
    };
    blobs.ping = async () => {
      blobPings++;
      await held;
    };
    const { server, url } = await serveGuarded(app, { maxInFlight: 4, maxInFlightPerToken: 2 }, logs);
    servers.push(server);

    // 50 anonymous /readyz at once (no token needed, and admission never refuses a probe).
    const probes = Array.from({ length: 50 }, () => fetch(`${url}/readyz`).catch(() => null));
    const deadline = Date.now() + 2000;
    while (indexPings < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Every probe is a backend round trip of its own (an S3 request and a Redis command each),
    // concurrently and without bound: 50 pings each, where the status page shares one per 2 s.
    expect(indexPings).toBeLessThanOrEqual(4);
    expect(blobPings).toBeLessThanOrEqual(4);
    releaseBackend();
    await Promise.all(probes);
  });
});
