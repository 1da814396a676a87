import { headers, routes } from "@gocacheprog/common";
import { describe, expect, it } from "vitest";
import { makeTestApp, randomHex, sha256Hex, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const body = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
const putHeaders = { [headers.outputId]: sha256Hex(body), "content-length": String(body.length) };

describe("bearer tokens", () => {
  it("answers a missing or unknown token with 401 JSON", async () => {
    const { app } = makeTestApp({ tokens: TEAM_TOKENS });
    for (const auth of [{}, bearer("not-a-configured-token-at-all"), { authorization: TOKENS.writer }]) {
      const res = await app.request(routes.action(randomHex()), { headers: auth });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.stringContaining("token") });
    }
  });

  it("answers a read-only token's PUT with 403 and stores nothing", async () => {
    const { app, blobs, index } = makeTestApp({ tokens: TEAM_TOKENS });
    const res = await app.request(routes.action(randomHex()), {
      method: "PUT",
      body,
      headers: { ...putHeaders, ...bearer(TOKENS.reader) },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: expect.stringContaining("read-only") });
    expect(blobs.calls.put).toBe(0);
    expect(index.records.size).toBe(0);
  });

  it("takes the namespace from the token: team B cannot read team A's entries", async () => {
    const { app } = makeTestApp({ tokens: TEAM_TOKENS });
    const action = randomHex();
    const put = await app.request(routes.action(action), { method: "PUT", body, headers: { ...putHeaders, ...bearer(TOKENS.writer) } });
    expect(put.status).toBe(201);
    const asReader = await app.request(routes.action(action), { headers: bearer(TOKENS.reader) });
    expect(asReader.status).toBe(200);
    expect(asReader.headers.get(headers.scope)).toBe("read");
    expect((await app.request(routes.action(action), { headers: bearer(TOKENS.other) })).status).toBe(404);
    expect((await app.request(routes.output(sha256Hex(body)), { headers: bearer(TOKENS.other) })).status).toBe(404);
    // Linking to another team's output by its hash must not work either.
    const link = await app.request(routes.action(randomHex()), {
      method: "PUT",
      headers: {
        ...bearer(TOKENS.other),
        [headers.outputId]: sha256Hex(body),
        [headers.outputSize]: String(body.length),
        "content-length": "0",
      },
    });
    expect(link.status).toBe(409);
  });

  it("gives open access to namespace default when no tokens are configured", async () => {
    const { app, index } = makeTestApp();
    const res = await app.request(routes.action(randomHex()), { method: "PUT", body, headers: putHeaders });
    expect(res.status).toBe(201);
    expect([...index.records.keys()][0]).toMatch(/^default\//);
  });

  it("never writes a token to the log, valid or not", async () => {
    const { app, logs } = makeTestApp({ tokens: TEAM_TOKENS });
    const wrong = "wrong-token-dddddddddddddddddd";
    await app.request(routes.action(randomHex()), { headers: bearer(TOKENS.writer) });
    await app.request(routes.action(randomHex()), { headers: bearer(wrong) });
    await app.request(routes.action("bad"), { headers: bearer(TOKENS.reader) });
    await app.request(routes.action(randomHex()), { method: "PUT", body, headers: { ...putHeaders, ...bearer(TOKENS.reader) } });
    expect(logs.text).toContain("request");
    for (const token of [...Object.values(TOKENS), wrong]) expect(logs.text).not.toContain(token);
  });
});
