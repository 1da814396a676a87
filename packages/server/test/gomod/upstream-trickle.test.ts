import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGomod } from "../../src/gomod/wiring.ts";
import { GOMOD_NAMESPACE } from "../../src/storage/keys.ts";
import { makeTestApp } from "../support/fakes.ts";

/**
 * An upstream that trickles its answer, a byte well within every silence timeout, never finishing
 * (a slow-loris, or a proxy stuck relaying a dying origin): each byte re-armed the timeout, so the
 * request, every request coalesced on its fill, and their admission slots waited for good.
 */
const TIMEOUT_MS = 500;
/** Far beyond any deadline the fill may have; a request not answered by then is taken as hung. */
const HANG_BOUND_MS = 20_000;

let server: Server;
let base = "";
const trickling = new Set<ServerResponse>();
const closedUpstreams: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    trickling.add(res);
    res.on("close", () => {
      trickling.delete(res);
      closedUpstreams.push(req.url ?? "");
    });
    res.writeHead(200, { "content-type": "text/plain" });
    const line = Buffer.from("v1.0.0\n");
    let at = 0;
    const timer = setInterval(() => {
      res.write(line.subarray(at, at + 1));
      at = (at + 1) % line.length;
    }, TIMEOUT_MS / 5);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of trickling) res.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("/gomod: an upstream that trickles an endless answer", () => {
  it("fails the fill (504, nothing stored) and lets go of the upstream, instead of waiting for good", async () => {
    const settings = {
      gomodUpstream: base,
      gomodAnonymous: true,
      gomodUpstreamTimeout: TIMEOUT_MS,
      gomodZipMax: 1 << 20,
      gomodMutableTtl: 60_000,
      gomodMemory: 0,
    };
    const { app, index } = makeTestApp({ gomod: (deps) => createGomod(settings, deps) });
    let bound: NodeJS.Timeout | undefined;
    const hung = new Promise<"hung">((resolve) => {
      bound = setTimeout(() => resolve("hung"), HANG_BOUND_MS);
    });
    const answered = (async () => {
      const res = await app.request("/gomod/example.com/m/@v/list");
      return { status: res.status, body: (await res.text()).trim() };
    })();
    const outcome = await Promise.race([answered, hung]);
    clearTimeout(bound);
    expect(outcome).toEqual({
      status: 504,
      body: expect.stringMatching(/^upstream 1 sent \d+ bytes in \d+ ms, less than \d+ per 500 ms$/),
    });
    expect([...index.records.keys()].filter((key) => key.startsWith(`${GOMOD_NAMESPACE}/`))).toEqual([]);
    await expect.poll(() => closedUpstreams).toEqual(["/example.com/m/@v/list"]);
  }, 30_000);
});
