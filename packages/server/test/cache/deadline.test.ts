import { randomBytes } from "node:crypto";
import { headers, routes } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import type { ReadOptions } from "../../src/storage/blob/types.ts";
import { makeTestApp, randomHex, sha256Hex } from "../support/fakes.ts";

describe("backend calls past --backend-timeout", () => {
  it("are cancelled through their AbortSignal, not only abandoned", async () => {
    const { app, blobs } = makeTestApp({ core: { inlineMax: 0, backendTimeoutMs: 100 } });
    const data = randomBytes(5000);
    const action = randomHex();
    const put = await app.request(routes.action(action), {
      method: "PUT",
      body: data,
      headers: { [headers.outputId]: sha256Hex(data), "content-length": String(data.length) },
    });
    expect(put.status).toBe(201);

    const cancelled: string[] = [];
    const hang = (op: string) => (_key: string, options?: ReadOptions) =>
      new Promise<never>((_, reject) => {
        options?.signal?.addEventListener("abort", () => {
          cancelled.push(op);
          reject(options.signal?.reason);
        });
      });
    blobs.getBytes = hang("getBytes");
    blobs.get = hang("get");
    const res = await app.request(routes.action(action));
    expect(res.status).toBe(503);
    expect(cancelled).toEqual(["getBytes"]);
  });
});
