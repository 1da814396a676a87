import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { headers, routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKENS } from "../support/fakes.ts";
import { putOutput, randomId, send, sha256, startTestServer } from "../support/real-server.ts";

let server: Awaited<ReturnType<typeof startTestServer>>;
const TEAM = `${TOKENS.writer} read-write team-a,${TOKENS.reader} read team-a`;

beforeAll(async () => {
  server = await startTestServer(["--tokens", TEAM, "--max-body", "4MiB", "--headers-timeout", "1s", "--request-timeout", "3s"]);
});
afterAll(async () => {
  await server?.close();
});

/** Sends raw request headers and collects everything the server writes until it closes the connection. */
function rawExchange(head: string | Buffer, onData?: (text: string, socket: Socket) => void): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(head));
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      onData?.(text, socket);
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
  });
}

function putHead(token: string | undefined, length: number, outputHex = sha256(randomBytes(8))): string {
  return [
    `PUT ${routes.action(randomId())} HTTP/1.1`,
    "Host: 127.0.0.1",
    ...(token ? [`Authorization: Bearer ${token}`] : []),
    `${headers.outputId}: ${outputHex}`,
    `Content-Length: ${length}`,
    "Expect: 100-continue",
    "",
    "",
  ].join("\r\n");
}

describe("Expect: 100-continue", () => {
  // Only headers are sent: an answer other than 401 (100, or 408 when the request timeout ends the wait) would mean the server invited the body.
  it("refuses a missing token with 401 before any body is sent, and never reads it", async () => {
    const reply = await rawExchange(putHead(undefined, 9 * 1024 * 1024));
    expect(reply).toMatch(/^HTTP\/1\.1 401 /);
    expect(reply).not.toContain("100 Continue");
    expect(reply).toContain("bearer token");
  });

  it("refuses a read-only token (403) and a body over --max-body (413) the same way", async () => {
    expect(await rawExchange(putHead(TOKENS.reader, 1000))).toMatch(/^HTTP\/1\.1 403 /);
    const tooBig = await rawExchange(putHead(TOKENS.writer, 5 * 1024 * 1024));
    expect(tooBig).toMatch(/^HTTP\/1\.1 413 /);
    expect(tooBig).not.toContain("100 Continue");
  });

  it("answers 100 Continue to a writer within the limit, and then stores the body", async () => {
    const data = randomBytes(50_000);
    const action = randomId();
    const head = putHead(TOKENS.writer, data.length, sha256(data)).replace(/PUT \S+/, `PUT ${routes.action(action)}`);
    let sent = false;
    const reply = await rawExchange(head, (text, socket) => {
      if (!sent && text.includes("100 Continue")) {
        sent = true;
        socket.write(data);
      }
      if (/HTTP\/1\.1 201 [\s\S]*\r\n\r\n\{/.test(text)) socket.end();
    });
    expect(reply).toMatch(/^HTTP\/1\.1 100 Continue/);
    expect(reply).toContain("HTTP/1.1 201 ");
    const got = await send(server.url, "GET", routes.action(action), { headers: { authorization: `Bearer ${TOKENS.reader}` } });
    expect(got.body.equals(data)).toBe(true);
  });
});

describe("server timeouts (--headers-timeout, --request-timeout)", () => {
  it("closes a connection whose headers never finish with 408", async () => {
    const reply = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: `);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("cuts off an upload that trickles past the request timeout; nothing is stored", async () => {
    const data = randomBytes(100_000);
    const action = randomId();
    const head = putHead(TOKENS.writer, data.length, sha256(data))
      .replace(/PUT \S+/, `PUT ${routes.action(action)}`)
      .replace("Expect: 100-continue\r\n", "");
    const reply = await rawExchange(Buffer.concat([Buffer.from(head), data.subarray(0, 1000)]));
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    const got = await send(server.url, "GET", routes.action(action), { headers: { authorization: `Bearer ${TOKENS.reader}` } });
    expect(got.status).toBe(404);
  });

  it("still serves ordinary requests", async () => {
    const data = randomBytes(2000);
    expect((await putOutput(server.url, randomId(), data, { authorization: `Bearer ${TOKENS.writer}` })).status).toBe(201);
  });
});
