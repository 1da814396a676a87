import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseProxyPath } from "../../src/gomod/request.ts";
import { createGomod } from "../../src/gomod/wiring.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { LogCapture } from "../support/fakes.ts";
import { FakeModuleUpstream, makeGomodApp } from "./helpers.ts";

// README: "`off` ends the list (the default: serve only what is cached)", and mutable answers are
// "served stale when the upstream fails". A server switched to off (closed network after warming),
// or a replica started with off over the same storage, turns every cached @v/list and @latest into
// a 404 once --gomod-mutable-ttl has passed: `go get m@latest` / `go list -m -versions` then fail.
describe("--gomod-upstream off and cached mutable answers", () => {
  it("still serves a cached @v/list after the TTL when there is no upstream to refresh it from", async () => {
    let offset = 0;
    const clock = () => Date.now() + offset;
    const fake = new FakeModuleUpstream().add("example.com/m/@v/list", "v1.0.0\n");
    const { app, core } = makeGomodApp(fake, { now: clock, mutableTtlMs: 60_000 });
    expect((await app.request("/gomod/example.com/m/@v/list")).status).toBe(200);

    // The same storage, served with the upstream off.
    const settings = {
      gomodUpstream: "off",
      gomodAnonymous: false,
      gomodUpstreamTimeout: 2000,
      gomodZipMax: 1 << 20,
      gomodMutableTtl: 60_000,
      gomodMemory: 0,
    };
    const logger = createLogger("trace", new LogCapture());
    const off = createGomod(settings, { core, registry: new Registry(), logger, now: clock });
    const request = parseProxyPath("example.com/m/@v/list");
    expect(await off.store.answer(request, 0)).toMatchObject({ found: true, result: "hit" }); // within the TTL
    offset += 120_000;
    expect(await off.store.answer(request, 0)).toMatchObject({ found: true });
  });
});
