// A put too large to hold is spooled to the local tier's disk (protocol/spool.ts); its write-behind
// upload goes from that file, and the server then holds exactly the output go put.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, expect, it } from "vitest";
import { send, startTestServer } from "../../../server/test/support/real-server.ts";
import { BinSession, buildBin, byId, closeRequest, getRequest, idOf } from "../helpers.ts";
import { fileSha256, LargeBody } from "../protocol/large-body-stream.ts";

let server: Awaited<ReturnType<typeof startTestServer>>;
let dir: string;

beforeAll(async () => {
  buildBin();
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), "spooled-upload-"));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function session(name: string): BinSession {
  return new BinSession({
    GOCACHEPROG_DIR: join(dir, name),
    GOCACHEPROG_URL: server.url,
    GOCACHEPROG_WARM_START: "0",
    GOCACHEPROG_SESSION_REPORT: "0",
  });
}

/**
 * Puts `body` through a new runner (close waits for its upload); the server then holds those exact
 * bytes. Returns the body's OutputID.
 */
async function putAndCheckServer(body: LargeBody, action: Buffer): Promise<Buffer> {
  const outputId = body.sha256();
  const putter = session("putter");
  await body.writePut(putter.child.stdin, 1, action, outputId);
  const put = await putter.finish(closeRequest(2)); // close waits for the write-behind upload
  expect(put.code, put.stderr).toBe(0);
  expect(byId(put.responses).get(1)?.Err).toBeUndefined();
  const reply = await send(server.url, "GET", routes.action(action.toString("hex")));
  expect(reply.status).toBe(200);
  expect(reply.body.length).toBe(body.size);
  expect(createHash("sha256").update(reply.body).digest()).toEqual(outputId);
  return outputId;
}

it("uploads a spooled put from its file, and another runner reads it back equal", { timeout: 180_000 }, async () => {
  // Past the spool threshold, and past the size uploads compress: it goes up raw, streamed from disk.
  const body = new LargeBody(96 * 1024 * 1024, "spooled upload");
  const action = idOf("spooled upload");
  const outputId = await putAndCheckServer(body, action);

  // A runner with an empty local tier gets it from the remote, whole.
  const getter = session("getter");
  getter.write(getRequest(1, action));
  const got = await getter.finish(closeRequest(2));
  const hit = byId(got.responses).get(1);
  expect(hit).toMatchObject({ ID: 1, OutputID: outputId.toString("base64"), Size: body.size });
  expect(await fileSha256(hit?.DiskPath as string)).toEqual(outputId);
});

it("spools a put read before the hand-over to the remote tier, and uploads it", { timeout: 120_000 }, async () => {
  // The putter's local tier exists now: the session starts on blocking reads, which take this put's
  // body into the local tier's temp file, and the remote tier, opened for it, finishes and uploads it.
  await putAndCheckServer(new LargeBody(40 * 1024 * 1024, "spooled before the hand-over"), idOf("spooled before the hand-over"));
});
