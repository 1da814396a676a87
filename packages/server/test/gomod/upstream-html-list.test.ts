import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGomod } from "../../src/gomod/wiring.ts";
import { GOMOD_NAMESPACE } from "../../src/storage/keys.ts";
import { makeTestApp } from "../support/fakes.ts";

/**
 * A proxy in front of the upstream that answers 200 with an HTML page (a sign-in or maintenance page,
 * a captive portal) instead of the version list. The list was only checked to be text, so the page was
 * stored as the module's list and served to go (which reads it as "no versions"), then served stale
 * whenever the upstream failed, long after the page was gone.
 */
const PAGE = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body>Please sign in to continue</body></html>\n";

let server: Server;
let base = "";
let answer = PAGE;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": answer === PAGE ? "text/html" : "text/plain" });
    res.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function proxy() {
  const settings = {
    gomodUpstream: base,
    gomodAnonymous: true,
    gomodUpstreamTimeout: 5000,
    gomodZipMax: 1 << 20,
    gomodMutableTtl: 60_000,
    gomodMemory: 0,
  };
  const made = makeTestApp({ gomod: (deps) => createGomod(settings, deps) });
  const stored = () => [...made.index.records.keys()].filter((key) => key.startsWith(`${GOMOD_NAMESPACE}/`)).length;
  return { ...made, stored };
}

describe("/gomod: an upstream that answers a version list with an HTML page", () => {
  it("refuses it (502, nothing stored)", async () => {
    answer = PAGE;
    const { app, stored } = proxy();
    const res = await app.request("/gomod/example.com/m/@v/list");
    expect([res.status, stored()]).toEqual([502, 0]);
  });

  it("still takes real lists: versions one per line, with what some proxies add after them, a stray line go skips, or none at all", async () => {
    for (const list of [
      "v1.0.0\nv1.1.0-pre\nv2.0.0+incompatible\n",
      "v1.0.0 2024-01-01T00:00:00Z\r\nv1.2\n\n",
      "v1.0.0\n# generated\n",
      "",
    ]) {
      answer = list;
      const { app, stored } = proxy();
      const res = await app.request("/gomod/example.com/m/@v/list");
      expect([res.status, await res.text(), stored()], JSON.stringify(list)).toEqual([200, list, 1]);
    }
  });
});
