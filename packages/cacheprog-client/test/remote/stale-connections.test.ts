// A deploy (a server restart, a replica replaced behind a load balancer) leaves the client's pooled
// keep-alive connections dead, and the client learns it only when it sends on one: the request gets a
// reset before any byte of an answer. Such a request never reached a server, so it is sent again on a
// fresh connection: a lookup stays a hit (go would recompile otherwise), an upload is stored, and the
// breaker, which would turn ~30 s of the build into misses, is not told about it.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, expect, it } from "vitest";
import { putOutput, send, startTestServer } from "../../../server/test/support/real-server.ts";
import { BinSession, buildBin, closeRequest, getRequest, idOf, putRequest, type WireResponse } from "../helpers.ts";
import { type DyingConnections, startDyingConnections } from "./dying-connections.ts";

let server: Awaited<ReturnType<typeof startTestServer>>;
let relay: DyingConnections;
let dir: string;

beforeAll(async () => {
  buildBin();
  server = await startTestServer();
  relay = await startDyingConnections(server.url);
  dir = await mkdtemp(join(tmpdir(), "stale-connections-"));
});
afterAll(async () => {
  await relay.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** An output the server holds under its action. */
async function stored(seed: string): Promise<Buffer> {
  const action = idOf(seed);
  const reply = await putOutput(server.url, action.toString("hex"), Buffer.from(`output of ${seed}`.repeat(50)));
  expect(reply.status).toBe(201);
  return action;
}

function session(name: string): { bin: BinSession; statsFile: string } {
  const statsFile = join(dir, `${name}.jsonl`);
  const bin = new BinSession({
    GOCACHEPROG_DIR: join(dir, name),
    GOCACHEPROG_URL: relay.url,
    GOCACHEPROG_WARM_START: "0",
    GOCACHEPROG_SESSION_REPORT: "0",
    GOCACHEPROG_STATS_FILE: statsFile,
  });
  return { bin, statsFile };
}

async function finish(bin: BinSession, id: number, statsFile: string): Promise<Record<string, number>> {
  const done = await bin.finish(closeRequest(id));
  expect(done.code, done.stderr).toBe(0);
  return JSON.parse((await readFile(statsFile, "utf8")).trim().split("\n").at(-1)!) as Record<string, number>;
}

const hits = (responses: WireResponse[], ids: number[]) => ids.map((id) => responses.find((r) => r.ID === id)?.Miss !== true);

it("sends a lookup that met a dead pooled connection again on a fresh one: a hit, not a miss", async () => {
  const [first, second] = [await stored("first"), await stored("second")];
  const { bin, statsFile } = session("one");
  bin.write(getRequest(1, first));
  await bin.waitForResponses(2);
  relay.killOpenConnections(); // the server restarts between two of go's gets
  const resetsBefore = relay.resets;
  bin.write(getRequest(2, second));
  const responses = await bin.waitForResponses(3);
  expect(relay.resets - resetsBefore, "the second lookup went out on the dead connection").toBeGreaterThan(0);
  expect(hits(responses, [1, 2])).toEqual([true, true]);
  const stats = await finish(bin, 3, statsFile);
  expect(stats.remoteHits).toBe(2);
  expect(stats.remoteErrors).toBe(0);
});

it("keeps the breaker closed when a restart killed every pooled connection at once", async () => {
  const before = await Promise.all(["b1", "b2", "b3"].map(stored));
  const after = await Promise.all(["a1", "a2", "a3", "a4", "a5"].map(stored));
  const later = await stored("later");
  const { bin, statsFile } = session("all");
  // go asks for several actions at once: each lookup takes a connection of its own.
  bin.write(before.map((action, i) => getRequest(i + 1, action)).join(""));
  await bin.waitForResponses(4);
  relay.killOpenConnections();
  bin.write(after.map((action, i) => getRequest(i + 10, action)).join(""));
  const responses = await bin.waitForResponses(9);
  expect(hits(responses, [10, 11, 12, 13, 14])).toEqual([true, true, true, true, true]);
  // An open breaker would answer this one with a miss without asking.
  bin.write(getRequest(15, later));
  expect(hits(await bin.waitForResponses(10), [15])).toEqual([true]);
  const stats = await finish(bin, 20, statsFile);
  expect(stats.remoteHits).toBe(9);
  expect(stats.remoteErrors).toBe(0);
});

it("sends an upload that met a dead pooled connection again: stored, not lost", async () => {
  const { bin, statsFile } = session("uploads");
  const [one, two] = [idOf("upload one"), idOf("upload two")];
  bin.write(putRequest(1, one, Buffer.alloc(2000, 1)));
  await bin.waitForResponses(2);
  const has = async (action: Buffer) => (await send(server.url, "GET", routes.action(action.toString("hex")))).status === 200;
  while (!(await has(one))) await new Promise((resolve) => setTimeout(resolve, 50));
  await relay.answered(); // its connection is back in the pool
  relay.killOpenConnections();
  const resetsBefore = relay.resets;
  bin.write(putRequest(2, two, Buffer.alloc(2000, 2)));
  await bin.waitForResponses(3);
  const stats = await finish(bin, 3, statsFile);
  expect(relay.resets - resetsBefore, "the second upload went out on the dead connection").toBeGreaterThan(0);
  expect(await has(two)).toBe(true);
  expect(stats.uploads).toBe(2);
  expect(stats.uploadErrors).toBe(0);
});
