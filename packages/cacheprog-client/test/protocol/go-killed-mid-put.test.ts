import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BinSession, buildBin, idOf, listenOnLoopback, putRequest, stopServer } from "../helpers.ts";

/**
 * go killed (SIGKILL, a cancelled CI job, Ctrl-C on go build, which does not ignore it) while it writes
 * a large put leaves the client a stdin that ends inside that put's body. Every put go got an answer
 * for is stored locally and only queued for upload (write-behind): the session must still drain those
 * uploads, as it does at a clean EOF, instead of exiting with them.
 */
const uploads: string[] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/v1/batch/upload") uploads.push("batch");
    if (req.method === "PUT" && req.url?.startsWith("/v1/actions/")) uploads.push(req.url.slice("/v1/actions/".length));
    // Lookups miss; a batch refused as unknown makes the client send one PUT per output instead.
    res.writeHead(req.method === "PUT" ? 201 : 404).end(req.method === "PUT" ? "{}" : "");
  });
});
let url = "";
let dir = "";
beforeAll(async () => {
  buildBin();
  url = await listenOnLoopback(server);
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-killed-"));
});
afterAll(async () => {
  await stopServer(server);
  await rm(dir, { recursive: true, force: true });
});

it("still uploads the puts go had answered when stdin ends in the middle of the next put", async () => {
  const session = new BinSession({ GOCACHEPROG_DIR: join(dir, "cache"), GOCACHEPROG_URL: url, GOCACHEPROG_WARM_START: "0" });
  const built = idOf("answered before go died");
  session.write(putRequest(1, built, Buffer.from("package archive\n")));
  const [, answered] = await session.waitForResponses(2);
  expect(answered?.DiskPath).toBeTypeOf("string");
  const cut = putRequest(2, idOf("being written when go died"), Buffer.alloc(256 * 1024, 1));
  const done = await session.finish(cut.slice(0, cut.length / 2));
  expect(done.stderr).toMatch(/stdin ended in the middle of request 2/);
  expect(uploads).toContain(built.toString("hex"));
});
