// A pooled connection must be dropped before the server's keep-alive timeout closes it: a request
// sent on a socket the server is closing fails with ECONNRESET (two cold runners lost uploads so).
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteClient } from "../../src/remote/http.ts";
import { listenOnLoopback, stopServer } from "../helpers.ts";

let server: Server;
let connections = 0;
let url: string;

beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(404).end());
  server.keepAliveTimeout = 2000; // announced as `Keep-Alive: timeout=2`
  server.on("connection", () => connections++);
  url = await listenOnLoopback(server);
});
afterAll(async () => {
  await stopServer(server);
});

it("drops an idle connection before the server's announced keep-alive timeout", async () => {
  const client = new RemoteClient({ url, timeoutMs: 5000, connections: 1, uploadConnections: 1 });
  const noSink = () => {
    throw new Error("a 404 opens no sink");
  };
  try {
    expect(await client.lookup("ab".repeat(32), noSink)).toBeNull();
    expect(await client.lookup("cd".repeat(32), noSink)).toBeNull();
    expect(connections).toBe(1); // back to back: the connection is reused
    await sleep(1500); // past the agent's margin (timeout - 1 s), short of the server's 2 s
    expect(await client.lookup("ef".repeat(32), noSink)).toBeNull();
    expect(connections).toBe(2);
  } finally {
    await client.close();
  }
});
