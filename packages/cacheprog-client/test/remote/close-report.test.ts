import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BinSession, buildBin, closeRequest, getRequest, idOf, listenOnLoopback, putRequest, stopServer } from "../helpers.ts";

/** Uploads are held until the session report arrives (at most HOLD_MS), and the order things happened in. */
const HOLD_MS = 3000;
const events: string[] = [];
const held: ServerResponse[] = [];
let reported = false;
const answerUpload = (res: ServerResponse) => {
  events.push("upload answered");
  res.writeHead(201).end("{}");
};
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/v1/sessions") {
      events.push("report");
      reported = true;
      res.writeHead(201).end("{}");
      for (const waiting of held.splice(0)) answerUpload(waiting);
    } else if (req.method === "PUT" && req.url?.startsWith("/v1/actions/")) {
      if (reported) return answerUpload(res);
      held.push(res);
      setTimeout(() => {
        const at = held.indexOf(res);
        if (at === -1) return;
        held.splice(at, 1);
        answerUpload(res);
      }, HOLD_MS).unref();
    } else res.writeHead(404).end();
  });
});
let url = "";
let dir = "";
beforeAll(async () => {
  buildBin();
  url = await listenOnLoopback(server);
  dir = await mkdtemp(join(tmpdir(), "close-report-"));
});
afterAll(async () => {
  await stopServer(server);
  await rm(dir, { recursive: true, force: true });
});

it("sends the session report while the last uploads drain, not one round trip after them", async () => {
  const session = new BinSession({ GOCACHEPROG_DIR: join(dir, "cache"), GOCACHEPROG_URL: url });
  session.write(getRequest(1, idOf("asked")));
  session.write(putRequest(2, idOf("built"), Buffer.alloc(64 * 1024, 7)));
  await session.waitForResponses(3);
  const done = await session.finish(closeRequest(3));
  expect(done.code).toBe(0);
  expect(done.responses.at(-1)).toEqual({ ID: 3 });
  // The upload was still draining when the report went out (before: the report waited for it).
  expect(events).toEqual(["report", "upload answered"]);
});
