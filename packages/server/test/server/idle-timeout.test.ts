import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKENS } from "../support/fakes.ts";
import { putOutput, randomId, send, startTestServer } from "../support/real-server.ts";

let server: Awaited<ReturnType<typeof startTestServer>>;
const auth = { authorization: `Bearer ${TOKENS.writer}` };

beforeAll(async () => {
  server = await startTestServer([
    "--tokens",
    `${TOKENS.writer} read-write team-a`,
    "--max-body",
    "64MiB",
    "--max-in-flight-per-token",
    "1",
    "--idle-timeout",
    "1s",
  ]);
});
afterAll(async () => {
  await server?.close();
});

describe("--idle-timeout", () => {
  it("closes a download its client stopped reading, which frees the token's admission slot", async () => {
    // Larger than loopback's socket buffers on both sides, so the server's writes stall.
    const data = randomBytes(32 * 1024 * 1024);
    const action = randomId();
    expect((await putOutput(server.url, action, data, auth)).status).toBe(201);

    const { port } = new URL(server.url);
    const stalled: Socket = connect(Number(port), "127.0.0.1");
    stalled.on("error", () => {});
    await new Promise<void>((resolve) => stalled.once("connect", resolve));
    stalled.write(`GET ${routes.action(action)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth.authorization}\r\n\r\n`);
    await new Promise<void>((resolve) => stalled.once("data", () => resolve()));
    stalled.pause();

    try {
      // The stalled download holds the token's only slot until the server gives up on it.
      const busy = await send(server.url, "GET", routes.action(randomId()), { headers: auth });
      expect(busy.status).toBe(429);
      let status = busy.status;
      for (let i = 0; i < 60 && status === 429; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await send(server.url, "GET", routes.action(randomId()), { headers: auth })).status;
      }
      expect(status).toBe(404);
    } finally {
      stalled.destroy();
    }
  });

  it("does not count the time before the response begins: a module fill from a slow upstream is answered", async () => {
    const upstream = createServer((_req, res) => {
      setTimeout(() => res.end("module example.com/m\n"), 2500);
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const { port } = upstream.address() as AddressInfo;
    const proxy = await startTestServer(["--gomod-upstream", `http://127.0.0.1:${port}`, "--gomod-anonymous", "--idle-timeout", "1s"]);
    try {
      const res = await fetch(`${proxy.url}/gomod/example.com/m/@v/v1.0.0.mod`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("module example.com/m\n");
    } finally {
      await proxy.close();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});
