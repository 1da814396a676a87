// With a server configured, a session whose every get is a local hit must never open the remote tier
// (session.ts, blockingStart): no warm-start fetch, no lookup, no session report. The real bin, on
// real pipes, against a listener that counts whatever reaches it.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import {
  b64,
  buildBin,
  byId,
  closeRequest,
  getRequest,
  idOf,
  listenOnLoopback,
  putRequest,
  runBin,
  sha256,
  stopServer,
} from "./helpers.ts";

let dir: string;
let server: Server;
let url: string;
/** Accepted connections and the requests read from them, in the order the listener saw them. */
let heard: { connections: number; requests: string[] };

beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-local-hits-"));
  heard = { connections: 0, requests: [] };
  server = createServer((req, res) => {
    heard.requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(404).end();
  });
  server.on("connection", () => heard.connections++);
  url = await listenOnLoopback(server);
});
afterEach(async () => {
  await stopServer(server);
  await rm(dir, { recursive: true, force: true });
});

/**
 * What the listener heard from the bin, once the bin has exited. The bin's connections were made
 * before it exited, so they wait in the listen backlog ahead of this probe's: once the probe is
 * answered, every one of them has been accepted and counted.
 */
async function heardFromBin(): Promise<{ connections: number; requests: string[] }> {
  const probe = await fetch(`${url}/probe`);
  await probe.arrayBuffer();
  return { connections: heard.connections - 1, requests: heard.requests.filter((line) => line !== "GET /probe") };
}

it("answers a session of local hits from disk and sends the configured server nothing", async () => {
  const cacheDir = join(dir, "cache");
  const bodies = [Buffer.from("first output"), Buffer.alloc(200_000, 7), Buffer.alloc(0)];
  const puts = bodies.map((body, i) => putRequest(i + 1, idOf(`action ${i}`), body)).join("");
  const filled = await runBin({ GOCACHEPROG_DIR: cacheDir }, puts + closeRequest(bodies.length + 1));
  expect(filled.code).toBe(0);
  const stored = byId(filled.responses.slice(1));

  const gets = bodies.map((_, i) => getRequest(i + 1, idOf(`action ${i}`))).join("");
  const env = { GOCACHEPROG_DIR: cacheDir, GOCACHEPROG_URL: url, GOCACHEPROG_STATS: "1" };
  const done = await runBin(env, gets + closeRequest(bodies.length + 1));
  expect(done.code).toBe(0);
  const answers = byId(done.responses.slice(1));
  for (const [i, body] of bodies.entries()) {
    const answer = answers.get(i + 1);
    // A hit carries its OutputID; Size is left out when 0, as go's own encoder does.
    const got = { OutputID: answer?.OutputID, Size: answer?.Size ?? 0, DiskPath: answer?.DiskPath };
    expect(got).toEqual({ OutputID: b64(sha256(body)), Size: body.length, DiskPath: stored.get(i + 1)?.DiskPath });
    expect(await readFile(answer?.DiskPath as string)).toEqual(body);
  }
  expect(await heardFromBin()).toEqual({ connections: 0, requests: [] });
  expect(done.stderr).toMatch(/3 gets \(3 hits, 0 misses\)/);

  // The same listener hears a session that needs the server: the count above is not zero by mistake.
  const missed = await runBin(env, getRequest(1, idOf("never put")) + closeRequest(2));
  expect(missed.code).toBe(0);
  expect((await heardFromBin()).requests).toContain(`GET /v1/actions/${idOf("never put").toString("hex")}`);
});
