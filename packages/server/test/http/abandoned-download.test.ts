import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { routes } from "@gocacheprog/common";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import type { BlobBody } from "../../src/storage/blob/types.ts";
import { put } from "../cache/gc-support.ts";
import { type FakeBlobStore, makeTestApp, randomHex } from "../support/fakes.ts";

/**
 * A blob store whose reads take a while (an S3 GET) and which tracks whether every body it hands out
 * is closed again (consumed to its end or destroyed): an open one is an S3 socket or a file descriptor.
 */
function trackSlowReads(blobs: FakeBlobStore) {
  const tracker = { open: 0, opened: 0, asked: 0, delayMs: 0 };
  const baseGet = blobs.get.bind(blobs);
  const get = async (key: string): Promise<{ body: BlobBody; size: number } | null> => {
    tracker.asked++;
    await new Promise((resolve) => setTimeout(resolve, tracker.delayMs));
    const got = await baseGet(key);
    if (!got) return null;
    tracker.open++;
    tracker.opened++;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      tracker.open--;
    };
    const inner = got.body;
    async function* tracked() {
      try {
        yield* inner;
      } finally {
        close();
      }
    }
    return { body: Object.assign(tracked(), { destroy: close }), size: got.size };
  };
  blobs.get = get as unknown as FakeBlobStore["get"];
  return tracker;
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe("a download whose client left while the server opened the blob", () => {
  it("closes the blob stream it opened for a client that is already gone", async () => {
    const { app, blobs } = makeTestApp({ core: { inlineMax: 1024, verifyBufferMax: 64 * 1024, backendTimeoutMs: 5000 } });
    const tracker = trackSlowReads(blobs);

    const data = randomBytes(2 * 1024 * 1024); // streamed (above verifyBufferMax), not read whole
    const action = randomHex();
    expect(await put(app, action, data)).toBe(201);

    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s as Server));
    });
    const { port } = server.address() as AddressInfo;

    // Control: a client that reads the whole answer leaves nothing open.
    const full = await fetch(`http://127.0.0.1:${port}${routes.action(action)}`);
    expect(Buffer.from(await full.arrayBuffer()).equals(data)).toBe(true);
    expect(tracker.open).toBe(0);

    tracker.delayMs = 300;
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    socket.write(`GET ${routes.action(action)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    // The client gives up while the blob store is still answering.
    await expect.poll(() => tracker.asked, { interval: 5 }).toBe(2);
    socket.destroy();

    await expect.poll(() => tracker.opened, { interval: 20 }).toBe(2);
    await expect.poll(() => tracker.open, { interval: 20 }).toBe(0);
  });
});
