import { routes } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../src/storage/errors.ts";
import { makeTestApp, randomHex } from "../support/fakes.ts";

const ADDRESS = "connect ECONNREFUSED 127.0.0.1:17070";

describe("backend trouble is reported without backend addresses", () => {
  it("keeps the reason out of /readyz's body (logged once instead)", async () => {
    const { app, blobs, logs } = makeTestApp();
    blobs.ping = () => Promise.reject(new BackendUnavailableError(ADDRESS));
    for (let i = 0; i < 5; i++) {
      const res = await app.request("/readyz");
      expect(res.status).toBe(503);
      expect(await res.text()).not.toContain("127.0.0.1");
    }
    expect(logs.text.split(ADDRESS).length - 1).toBe(1);
  });

  it("answers 503 on /v1 with a generic body, and logs the reason once per interval, not per request", async () => {
    const { app, index, blobs, logs } = makeTestApp();
    // Neither the index nor the record copies answer, so a lookup cannot degrade to a miss.
    index.get = () => Promise.reject(new BackendUnavailableError(ADDRESS));
    blobs.getBytes = () => Promise.reject(new BackendUnavailableError(ADDRESS));
    for (let i = 0; i < 20; i++) {
      const res = await app.request(routes.action(randomHex()));
      expect(res.status).toBe(503);
      const body = await res.text();
      expect(body).toContain("unavailable");
      expect(body).not.toContain("127.0.0.1");
    }
    // One line per kind of trouble (index down, request answered 503), not one per request.
    expect(logs.text.split(ADDRESS).length - 1).toBe(2);
    expect(logs.text.split('"request failed"').length - 1).toBe(1);
  });
});
