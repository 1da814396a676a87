// RemoteClient.lookup against a real server that answers 200 and then misbehaves: a put time go
// cannot read, a body that stalls after its headers. Each must end as an error (a miss for go)
// within the base deadline, never as an entry or a wait scaled by the declared size.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { headers as h } from "@gocacheprog/common";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RemoteClient, RemoteError, RemoteTimeout } from "../../src/remote/http.ts";
import type { OutputSink } from "../../src/tier.ts";
import { listenOnLoopback, sha256, stopServer } from "../helpers.ts";

const ACTION = "ab".repeat(32);
const BASE_TIMEOUT_MS = 500;

let reply: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(404).end();
let server: Server;
let url: string;
let client: RemoteClient;
const timers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    res.on("error", () => {});
    reply(req, res);
  });
  url = await listenOnLoopback(server);
});
afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  await client?.close();
});
afterAll(async () => {
  await stopServer(server);
});

/** A sink that keeps what it is given in memory (the real one is the local tier's ingest). */
class MemorySink {
  chunks: Buffer[] = [];
  aborted = false;
  finished = false;
  get written(): number {
    return this.chunks.reduce((sum, c) => sum + c.length, 0);
  }
  get head(): Buffer {
    return Buffer.concat(this.chunks).subarray(0, 8);
  }
  write(chunk: Uint8Array): void {
    this.chunks.push(Buffer.from(chunk));
  }
  finish(): never {
    this.finished = true;
    throw new Error("not expected to finish");
  }
  abort(): void {
    this.aborted = true;
  }
}

function newClient(minRateBytesPerSec?: number): RemoteClient {
  client = new RemoteClient({ url, timeoutMs: BASE_TIMEOUT_MS, minRateBytesPerSec, connections: 1, uploadConnections: 1 });
  return client;
}

describe("RemoteClient.lookup", () => {
  it("refuses a reply whose put time is past the year 9999 (go could not parse it) before opening a sink", async () => {
    const body = Buffer.from("some bytes");
    reply = (_req, res) => {
      res.writeHead(200, {
        [h.outputId]: sha256(body).toString("hex"),
        [h.putTime]: "+010000-01-01T00:00:00.000Z",
        "content-length": body.length,
      });
      res.end(body);
    };
    const opened: unknown[] = [];
    const lookup = newClient().lookup(ACTION, (entry) => {
      opened.push(entry);
      return new MemorySink() as unknown as OutputSink;
    });
    await expect(lookup).rejects.toBeInstanceOf(RemoteError);
    await expect(lookup).rejects.toThrow(/put time/);
    expect(opened).toEqual([]);
  });

  it("gives up on a body that stops flowing after the idle time, not after the deadline its declared size earns", async () => {
    const declared = 20 * 1024 * 1024;
    reply = (_req, res) => {
      res.writeHead(200, { [h.outputId]: "00".repeat(32), [h.putTime]: new Date().toISOString(), "content-length": declared });
      res.write(Buffer.alloc(16, 1)); // and then nothing more, with the connection left open
    };
    const c = newClient(1024 * 1024);
    const sizeScaledMs = c.deadlineFor(BASE_TIMEOUT_MS, declared);
    expect(sizeScaledMs).toBeGreaterThan(20_000);
    const sink = new MemorySink();
    const started = performance.now();
    const lookup = c.lookup(ACTION, () => sink as unknown as OutputSink);
    await expect(lookup).rejects.toBeInstanceOf(RemoteTimeout);
    const tookMs = performance.now() - started;
    expect(tookMs).toBeLessThan(sizeScaledMs / 3);
    expect(tookMs).toBeGreaterThanOrEqual(BASE_TIMEOUT_MS - 50);
    expect(sink.written).toBe(16);
    expect([sink.aborted, sink.finished]).toEqual([true, false]);
  });

  it("keeps waiting for a slow body that never pauses for the idle time, up to its size-scaled deadline", async () => {
    const body = Buffer.from("0123456789abcdef");
    reply = (_req, res) => {
      res.writeHead(200, {
        [h.outputId]: sha256(body).toString("hex"),
        [h.putTime]: new Date().toISOString(),
        "content-length": body.length,
      });
      let at = 0;
      const tick = setInterval(() => {
        if (res.destroyed) return clearInterval(tick);
        res.write(body.subarray(at, at + 2));
        at += 2;
        if (at >= body.length) {
          clearInterval(tick);
          res.end();
        }
      }, BASE_TIMEOUT_MS / 5);
      timers.push(tick);
    };
    // 16 bytes at 4 B/s: a 4.5 s deadline for a body taking ~0.8 s, well past the 0.5 s idle time.
    const c = newClient(4);
    const chunks: Buffer[] = [];
    const sink = {
      written: 0,
      head: Buffer.alloc(0),
      write: (chunk: Uint8Array) => void chunks.push(Buffer.from(chunk)),
      finish: () => ({
        hit: true as const,
        outputId: sha256(body),
        size: body.length,
        diskPath: "/nowhere",
        putTime: new Date(),
        source: "remote" as const,
      }),
      abort: () => {},
    };
    const started = performance.now();
    const got = await c.lookup(ACTION, () => sink);
    expect(performance.now() - started).toBeGreaterThan(BASE_TIMEOUT_MS);
    expect(got?.hit).toMatchObject({ hit: true, size: body.length });
    expect(Buffer.concat(chunks)).toEqual(body);
  });
});
