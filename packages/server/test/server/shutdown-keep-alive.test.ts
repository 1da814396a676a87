import { once } from "node:events";
import { connect } from "node:net";
import { headers, routes } from "@gocacheprog/common";
import { expect, it } from "vitest";
import { randomId, send, sha256, startTestServer } from "../support/real-server.ts";

it("during the shutdown drain, answers on a keep-alive connection say Connection: close and the connection ends after them", async () => {
  const server = await startTestServer(["--shutdown-timeout", "60s"]);
  const socket = connect(server.port, "127.0.0.1");
  await once(socket, "connect");
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  const ended = once(socket, "close");
  const body = Buffer.from("hello");
  // Requests admitted and not answered; the upload is in flight once it counts there.
  const inFlight = async () =>
    Number(/gocacheprog_requests_in_flight (\d+)/.exec((await send(server.url, "GET", "/metrics")).body.toString())?.[1]);
  const idle = await inFlight();
  // An upload in flight when shutdown begins: its head now, its body once the drain has started.
  socket.write(
    `PUT ${routes.action(randomId())} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n${headers.outputId}: ${sha256(body)}\r\n\r\n`,
  );
  await expect.poll(inFlight).toBe(idle + 1);
  const closed = server.close();
  await expect.poll(() => server.logs.text.includes("shutting down")).toBe(true);
  socket.write(body);
  await expect.poll(() => received.includes("\r\n\r\n")).toBe(true);
  expect(received).toMatch(/^HTTP\/1\.1 201/);
  expect(received.toLowerCase()).toContain("connection: close");
  // The connection ends after that answer (a client then opens a new one elsewhere), so the drain ends
  // with the upload, long before the 60 s deadline would cut it.
  await ended;
  await closed;
  expect(server.logs.text).not.toContain("shutdown deadline passed");
}, 30_000);
