// The real bin against a fake server that misbehaves on purpose: endless and oversized bodies,
// bodies that disagree with their Content-Length, corrupt bytes, refused uploads. Each must be a
// miss (or a skipped upload), leave nothing in the tier, and keep the client's memory bounded.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers as h } from "@gocacheprog/common";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BinSession,
  buildBin,
  byId,
  closeRequest,
  getRequest,
  idOf,
  listenOnLoopback,
  listFiles,
  putRequest,
  sha256,
  stopServer,
} from "../helpers.ts";
import { peakRssBytes } from "../protocol/large-body-stream.ts";

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

/** The fake server: what it does for each action is set by the test. */
const behaviours = new Map<string, Behaviour>();
const puts: string[] = [];
let server: Server;
let url: string;

function entryHeaders(body: Buffer, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return { [h.outputId]: sha256(body).toString("hex"), [h.putTime]: new Date().toISOString(), ...extra };
}

/** Writes `chunk` again and again, honouring back-pressure, until the client goes away. */
function pour(res: ServerResponse, chunk: Buffer, pauseMs = 0): void {
  const next = () => {
    if (res.destroyed) return;
    const more = res.write(chunk);
    if (pauseMs > 0) setTimeout(next, pauseMs);
    else if (more) setImmediate(next);
    else res.once("drain", next);
  };
  res.on("error", () => {});
  next();
}

beforeAll(async () => {
  buildBin();
  server = createServer((req, res) => {
    const action = (req.url ?? "").split("/").pop() ?? "";
    if (req.method === "PUT") {
      puts.push(action);
      req.resume();
      res.writeHead(413).end("body too large");
      return;
    }
    const behaviour = behaviours.get(action);
    if (!behaviour) res.writeHead(404).end();
    else behaviour(req, res);
  });
  url = await listenOnLoopback(server);
});
afterAll(async () => {
  await stopServer(server);
});

let dir: string;
let env: Record<string, string>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-bodies-"));
  behaviours.clear();
  puts.length = 0;
  env = {
    GOCACHEPROG_DIR: join(dir, "cache"),
    GOCACHEPROG_URL: url,
    GOCACHEPROG_REMOTE_TIMEOUT: "2s",
    GOCACHEPROG_REMOTE_MIN_RATE: "16MiB",
    GOCACHEPROG_STATS_FILE: join(dir, "stats.json"),
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Cache entries and temp files in the tier (the trim stamp is housekeeping, not an entry). */
async function tierFiles(): Promise<string[]> {
  return (await listFiles(join(dir, "cache"))).filter((p) => !p.endsWith("trim.txt"));
}

/** One get through the real bin; returns the answer, the client's peak RSS and its stats. */
async function getOnce(action: Buffer): Promise<{ answer: unknown; rssMb: number; stats: Record<string, number> }> {
  const session = new BinSession(env);
  session.write(getRequest(1, action));
  await session.waitForResponses(2);
  const rssMb = (await peakRssBytes(session.child.pid as number)) / 1024 / 1024;
  const done = await session.finish(closeRequest(2));
  expect(done.code).toBe(0);
  // The stats file gets a line per session; this get's figures are the last one.
  const lines = (await readFile(join(dir, "stats.json"), "utf8")).trim().split("\n");
  const stats = JSON.parse(lines[lines.length - 1] ?? "") as Record<string, number>;
  return { answer: byId(done.responses).get(1), rssMb, stats };
}

// Node's own baseline is ~45 MB; the old client held every body whole (and twice while
// concatenating), so the 64 MiB body below took it past 170 MB.
const RSS_BOUND_MB = 120;

describe("remote bodies stream into the tier, bounded", () => {
  // 9-19 s with the CPU busy (4.5 s idle): past half the 30 s default.
  it("stores a large body without holding it in memory", { timeout: 120_000 }, async () => {
    const body = randomBytes(64 * 1024 * 1024);
    const action = idOf("large");
    // The file's 16 MiB/s gave this download 2 s + 4 s, and a busy CI machine took up to 5.3 s (bin
    // start included) to answer it; the deadline is not what this test is about.
    env["GOCACHEPROG_REMOTE_MIN_RATE"] = "2MiB";
    behaviours.set(action.toString("hex"), (_req, res) => {
      res.writeHead(200, entryHeaders(body, { "content-length": body.length }));
      res.end(body);
    });
    const { answer, rssMb, stats } = await getOnce(action);
    expect(answer).toMatchObject({ ID: 1, Size: body.length });
    expect(stats.remoteHits).toBe(1);
    expect(rssMb).toBeLessThan(RSS_BOUND_MB);
    const stored = await tierFiles();
    expect(stored.filter((p) => p.includes(".tmp-"))).toEqual([]);
    expect(sha256(await readFile(stored.find((p) => p.endsWith("-d")) as string))).toEqual(sha256(body));
  });

  it("refuses a reply announcing 10 GB before reading it: a miss, nothing stored", async () => {
    const action = idOf("ten-gigabytes");
    behaviours.set(action.toString("hex"), (_req, res) => {
      res.writeHead(200, entryHeaders(Buffer.from("x"), { "content-length": 10 * 1024 ** 3 }));
      pour(res, Buffer.alloc(1024 * 1024, 7));
    });
    const { answer, rssMb, stats } = await getOnce(action);
    expect(answer).toEqual({ ID: 1, Miss: true });
    expect(stats.remoteErrors).toBe(1);
    expect(rssMb).toBeLessThan(RSS_BOUND_MB);
    expect(await tierFiles()).toEqual([]);
  });

  it("refuses an endless chunked body that declares no size: a miss, nothing stored", async () => {
    const action = idOf("endless");
    behaviours.set(action.toString("hex"), (_req, res) => {
      res.writeHead(200, entryHeaders(Buffer.from("x")));
      pour(res, Buffer.alloc(1024 * 1024, 7));
    });
    const { answer, rssMb } = await getOnce(action);
    expect(answer).toEqual({ ID: 1, Miss: true });
    expect(rssMb).toBeLessThan(RSS_BOUND_MB);
    expect(await tierFiles()).toEqual([]);
  });

  it("gives up on a body that trickles past its deadline (base timeout + size at the minimum rate)", async () => {
    const action = idOf("trickle");
    behaviours.set(action.toString("hex"), (_req, res) => {
      res.writeHead(200, entryHeaders(Buffer.from("x"), { "content-length": 6 * 1024 * 1024 }));
      pour(res, Buffer.alloc(16 * 1024, 7), 20);
    });
    const { answer, stats } = await getOnce(action);
    expect(answer).toEqual({ ID: 1, Miss: true });
    expect(stats.remoteErrors).toBe(1);
    expect(await tierFiles()).toEqual([]);
  });

  it("treats a reply whose put time is past the year 9999 as a miss, storing nothing, and goes on answering", async () => {
    // go's JSON decoder fails the whole build on such a Time ("parsing time"); a Date takes it.
    const body = Buffer.from("from the far future");
    const action = idOf("year-10000");
    behaviours.set(action.toString("hex"), (_req, res) => {
      res.writeHead(200, entryHeaders(body, { [h.putTime]: "+010000-01-01T00:00:00.000Z", "content-length": body.length }));
      res.end(body);
    });
    const { answer, stats } = await getOnce(action);
    expect(answer).toEqual({ ID: 1, Miss: true });
    expect(stats.remoteErrors).toBe(1);
    expect(await tierFiles()).toEqual([]);
  });

  it("treats a body longer than its Content-Length, one cut short, and a corrupt one as misses, storing nothing", async () => {
    const output = randomBytes(300_000);
    const cases: Record<string, Behaviour> = {
      // The server announces fewer bytes than the output has: what arrives does not hash to the OutputID.
      longer: (_req, res) => {
        res.writeHead(200, entryHeaders(output, { "content-length": output.length - 1000 }));
        res.end(output);
      },
      shorter: (_req, res) => {
        res.writeHead(200, entryHeaders(output, { "content-length": output.length }));
        res.write(output.subarray(0, 100_000), () => res.destroy());
      },
      corrupt: (_req, res) => {
        const bad = Buffer.from(output);
        bad[12345] = (bad[12345] as number) ^ 0xff;
        res.writeHead(200, entryHeaders(output, { "content-length": output.length }));
        res.end(bad);
      },
    };
    for (const [name, behaviour] of Object.entries(cases)) {
      const action = idOf(name);
      behaviours.set(action.toString("hex"), behaviour);
      const { answer } = await getOnce(action);
      expect(answer, name).toEqual({ ID: 1, Miss: true });
      expect(await tierFiles(), name).toEqual([]);
    }
  });
});

describe("refusals do not switch reads off", () => {
  it("keeps looking up after uploads are refused with 413", async () => {
    const body = Buffer.from("served after refusals");
    const action = idOf("served");
    behaviours.set(action.toString("hex"), (_req, res) => {
      res.writeHead(200, entryHeaders(body, { "content-length": body.length }));
      res.end(body);
    });
    const session = new BinSession(env);
    for (let i = 1; i <= 4; i++) session.write(putRequest(i, idOf(`put-${i}`), Buffer.from(`output ${i}`)));
    await session.waitForResponses(5);
    // Uploads run behind go's back; wait until the server has refused all four.
    while (puts.length < 4) await new Promise((resolve) => setTimeout(resolve, 20));
    session.write(getRequest(5, action));
    await session.waitForResponses(6);
    const done = await session.finish(closeRequest(6));
    expect(byId(done.responses).get(5)).toMatchObject({ Size: body.length });
    // The stats file gets a line per session; this get's figures are the last one.
    const lines = (await readFile(join(dir, "stats.json"), "utf8")).trim().split("\n");
    const stats = JSON.parse(lines[lines.length - 1] ?? "") as Record<string, number>;
    expect(stats).toMatchObject({ uploadErrors: 4, remoteHits: 1 });
  });
});
