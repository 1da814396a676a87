import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BinSession, buildBin, byId, closeRequest, getRequest, idOf, putRequest } from "../helpers.ts";

/**
 * Ctrl-C in a terminal sends SIGINT (Ctrl-\ SIGQUIT) to the whole foreground process group: go, the
 * program go runs (go run, go test) and go's GOCACHEPROG child, which go starts in its own group.
 * go test and go run ignore both (cmd/go/internal/base.StartSigHandlers) and wait for their child
 * program; go then keeps using the cache (test-result puts, close). A client that dies of the signal
 * makes go's readLoop hit EOF while not closing: base.Fatalf("GOCACHEPROG exited pre-Close ...").
 * So the client must outlive such a signal and keep answering until go closes stdin or sends close.
 */
let dir: string;

beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-sig-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a terminal's Ctrl-C (SIGINT) / Ctrl-\\ (SIGQUIT) reaching the client along with go", () => {
  const cases: [string, "SIGINT" | "SIGQUIT", () => Record<string, string>][] = [
    ["blocking start (local tier alone)", "SIGINT", () => ({ GOCACHEPROG_DIR: join(dir, "cache") })],
    [
      "event loop (server configured, fresh dir)",
      "SIGINT",
      () => ({ GOCACHEPROG_DIR: join(dir, "fresh"), GOCACHEPROG_URL: "http://127.0.0.1:9", GOCACHEPROG_WARM_START: "0" }),
    ],
    ["blocking start (local tier alone)", "SIGQUIT", () => ({ GOCACHEPROG_DIR: join(dir, "cache") })],
  ];
  it.each(cases)("%s: keeps answering after %s, answers close and exits 0", async (_name, signal, env) => {
    const session = new BinSession(env());
    await session.waitForResponses(1);
    session.child.kill(signal);
    await sleep(300);
    const body = Buffer.from("test result written after the interrupted test binary exited\n");
    session.write(putRequest(1, idOf("after-signal"), body));
    session.write(getRequest(2, idOf("after-signal")));
    const done = await session.finish(closeRequest(3));
    const answers = byId(done.responses);
    expect({ code: done.code, signal: session.child.signalCode }).toEqual({ code: 0, signal: null });
    expect(answers.get(1)?.DiskPath).toBeTypeOf("string");
    expect(answers.get(3)).toEqual({ ID: 3 });
  });
});
