import { randomBytes } from "node:crypto";
import { headers, routes } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { makeTestApp, randomHex, sha256Hex } from "../support/fakes.ts";

const put = (app: ReturnType<typeof makeTestApp>["app"], data: Buffer, action = randomHex()) =>
  app.request(routes.action(action), {
    method: "PUT",
    body: data,
    headers: { [headers.outputId]: sha256Hex(data), "content-length": String(data.length) },
  });

function enospc(): Error {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
}

describe("storage full", () => {
  it("answers 507 with one log line, reports it on /readyz, keeps serving reads, and recovers by itself", async () => {
    const { app, blobs, logs, index } = makeTestApp();
    const held = randomBytes(5000);
    const heldAction = randomHex();
    expect((await put(app, held, heldAction)).status).toBe(201);

    const realPut = blobs.put.bind(blobs);
    blobs.put = () => Promise.reject(enospc());
    const entriesBefore = index.records.size;
    for (let i = 0; i < 10; i++) {
      const res = await put(app, randomBytes(5000));
      expect(res.status).toBe(507);
      expect(await res.json()).toEqual({ error: expect.stringContaining("insufficient storage") });
    }
    expect(index.records.size).toBe(entriesBefore);
    expect(logs.text.split("storage full").length - 1).toBe(1);
    expect(logs.text).not.toContain("unexpected error");
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ storage: expect.stringContaining("full") });
    expect((await app.request(routes.action(heldAction))).status).toBe(200);

    blobs.put = realPut;
    expect((await put(app, randomBytes(5000))).status).toBe(201);
    expect(await (await app.request("/readyz")).json()).not.toHaveProperty("storage");
  });

  it("treats an S3 quota refusal the same way", async () => {
    const { toBackendError } = await import("../../src/storage/blob/s3-errors.ts");
    const { app, blobs } = makeTestApp();
    blobs.put = () =>
      Promise.reject(toBackendError(Object.assign(new Error("quota"), { name: "QuotaExceeded", $metadata: { httpStatusCode: 403 } })));
    expect((await put(app, randomBytes(5000))).status).toBe(507);
  });
});
