// A raw upload streamed from the local tier's file (createReadStream on an fd) must release that fd
// when its PUT fails (5xx before the body is read, a deadline): Exchange pipes the stream into the
// request, and a destroyed request only unpipes it; the stream, paused and never ended, keeps its fd.
import { randomBytes } from "node:crypto";
import { readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RemoteClient } from "../../src/remote/http.ts";
import { listenOnLoopback, sha256, stopServer } from "../helpers.ts";

const ACTION = "cd".repeat(32);

let reply: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(404).end();
let server: Server;
let url: string;
let client: RemoteClient | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    res.on("error", () => {});
    req.on("error", () => {});
    reply(req, res);
  });
  url = await listenOnLoopback(server);
});
afterEach(async () => {
  await client?.close();
});
afterAll(async () => {
  await stopServer(server);
});

/** Descriptors of this process open on `path`. */
function openOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

async function output(): Promise<{ path: string; outputHex: string; size: number }> {
  const dir = await mkdtemp(join(tmpdir(), "failed-upload-fd-"));
  // Incompressible and above the 256 KiB read-whole limit: a raw, streamed body.
  const body = randomBytes(4 * 1024 * 1024);
  const path = join(dir, "out");
  writeFileSync(path, body);
  return { path, outputHex: sha256(body).toString("hex"), size: body.length };
}

describe("streamed raw upload that fails", () => {
  it("closes the file it was streaming from after a 413 answered before the body was read (a proxy's body limit)", async () => {
    reply = (req, res) => {
      // The link try (no body) is told to send the bytes; the body PUT is refused at once, unread,
      // as nginx does for a body above client_max_body_size.
      if (req.headers["content-length"] === "0") return void res.writeHead(409).end();
      res.writeHead(413, { connection: "close" }).end();
    };
    const { path, outputHex, size } = await output();
    client = new RemoteClient({ url, timeoutMs: 2000, connections: 1, uploadConnections: 1 });
    await expect(client.upload(ACTION, outputHex, size, path, true)).rejects.toThrow(/413|socket|EPIPE|ECONNRESET/);
    await expect.poll(() => openOn(path), { interval: 20 }).toBe(0);
  });

  it("closes the file it was streaming from after the upload's deadline passed", async () => {
    reply = (req, res) => {
      if (req.headers["content-length"] === "0") return void res.writeHead(409).end();
      // Never reads the body and never answers: the client's deadline ends it.
      req.pause();
    };
    const { path, outputHex, size } = await output();
    client = new RemoteClient({ url, timeoutMs: 200, minRateBytesPerSec: 100 * 1024 * 1024, connections: 1, uploadConnections: 1 });
    await expect(client.upload(ACTION, outputHex, size, path, true)).rejects.toThrow(/no complete answer/);
    await expect.poll(() => openOn(path), { interval: 20 }).toBe(0);
  });
});
