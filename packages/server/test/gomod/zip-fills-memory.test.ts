import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGomod } from "../../src/gomod/wiring.ts";
import { makeTestApp } from "../support/fakes.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * A zip of announced length up to 16 MiB is held in memory while it is fetched, checked and stored,
 * and every fill held one: a cold fleet's `go mod download` (many builders, each fetching zips in
 * parallel) or an upstream that stalls near the end of each zip put up to --max-in-flight x 16 MiB
 * (4 GiB) in memory at once. Past a few such fills the rest must go through disk.
 */
const FILLS = 12;
const ZIP_BYTES = 15 << 20;

let server: Server;
let base = "";
const stalled = new Set<ServerResponse>();
const flushed: Promise<void>[] = [];

beforeAll(async () => {
  const almostAll = Buffer.alloc(ZIP_BYTES - 1, 0x61);
  server = createServer((_req, res) => {
    stalled.add(res);
    res.writeHead(200, { "content-type": "application/zip", "content-length": String(ZIP_BYTES) });
    // All but the last byte, then nothing: the fill holds what it got until the upstream timeout.
    flushed.push(new Promise((resolve) => res.write(almostAll, () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("/gomod: many zips filled at once", () => {
  it(`${FILLS} fills of ${ZIP_BYTES >> 20} MiB zips stalled near their end do not hold them all in memory`, async () => {
    const settings = {
      gomodUpstream: base,
      gomodAnonymous: true,
      gomodUpstreamTimeout: 60_000,
      gomodZipMax: 64 << 20,
      gomodMutableTtl: 60_000,
      gomodMemory: 0,
    };
    const { app, gomod } = makeTestApp({ gomod: (deps) => createGomod(settings, deps) });
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const requests = Array.from({ length: FILLS }, (_, i) =>
      Promise.resolve(app.request(`/gomod/example.com/m${i}/@v/v1.0.0.zip`)).then((res) => res.status),
    );
    // Every stalled answer handed to this process's sockets, most of it read by the fills.
    await expect.poll(() => flushed.length).toBe(FILLS);
    await Promise.all(flushed);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Twice, a turn apart: the chunks of the spooling fills are freed by a collection's finalizers, so a
    // single gc() left up to 55 MiB of garbage counted (117 MiB measured with the CPU busy; 61 after this).
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    const heldMiB = Math.round((process.memoryUsage().arrayBuffers - before) / 2 ** 20);
    // The upstream breaks off: every fill fails and nothing is stored.
    for (const res of stalled) res.destroy();
    expect(await Promise.all(requests)).toEqual(Array(FILLS).fill(502));
    await gomod?.close();
    // A few fills' worth (4 x 16 MiB); all of them held ~180 MiB.
    expect(heldMiB).toBeLessThan(100);
  }, 60_000);
});
