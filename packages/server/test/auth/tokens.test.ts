import { describe, expect, it } from "vitest";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { TOKENS } from "../support/fakes.ts";

describe("token parsing", () => {
  it("reads the JSON and line formats alike", () => {
    const json = JSON.stringify([{ token: TOKENS.writer, scope: "read-write", namespace: "team-a" }]);
    const fromJson = parseTokens(json, "file");
    const fromLines = parseTokens(`# ci\n${TOKENS.writer} read-write team-a\n`, "file");
    expect(fromJson).toEqual(fromLines);
    expect(parseTokens(`${TOKENS.writer} read a,${TOKENS.reader} read b`, "env").map((t) => t.principal.namespace)).toEqual(["a", "b"]);
  });

  it("rejects bad entries without echoing the token", () => {
    const attempt = (text: string) => () => parseTokens(text, "tokens.json");
    expect(attempt(`${TOKENS.writer} owner team-a`)).toThrow(/entry 1/);
    expect(attempt(`${TOKENS.writer} read ../etc`)).toThrow(/namespace/);
    expect(attempt("short read team-a")).toThrow(/at least 16/);
    expect(attempt("[not json")).toThrow(/not valid JSON/);
    try {
      parseTokens(`${TOKENS.writer} owner team-a`, "tokens.json");
    } catch (err) {
      expect((err as Error).message).not.toContain(TOKENS.writer);
    }
    expect(() => new TokenAuth(parseTokens(`${TOKENS.writer} read a\n${TOKENS.writer} read b`, "x"))).toThrow(/twice/);
  });
});

describe("TokenAuth with a verifier (OIDC)", () => {
  it("is not open access without tokens; verify() asks the verifier, authenticate() knows only what it already accepted", async () => {
    const accepted = new Map<string, { scope: "read"; namespace: string }>();
    const jwt = {
      async verify(token: string) {
        if (token !== "a.b.c") return null;
        accepted.set(token, { scope: "read" as const, namespace: "ci" });
        return accepted.get(token) ?? null;
      },
      cached: (token: string) => accepted.get(token) ?? null,
    };
    const auth = new TokenAuth([], { jwt });
    expect(auth.openAccess).toBe(false);
    expect(auth.authenticate("Bearer a.b.c")).toBe(null);
    expect(await auth.verify("Bearer x.y.z")).toBe(null);
    expect(await auth.verify("Bearer a.b.c")).toEqual({ scope: "read", namespace: "ci" });
    expect(auth.authenticate("Bearer a.b.c")).toEqual({ scope: "read", namespace: "ci" });
    expect(auth.authenticate(undefined)).toBe(null);
  });
});

describe("TokenAuth.replace (a reload)", () => {
  it("swaps tokens and budgets together, in the map everyone holds; a bad table changes nothing", async () => {
    const auth = new TokenAuth(parseTokens(`${TOKENS.writer} read-write team-a maxSize=1MiB`, "x"));
    const budgets = auth.budgets;
    expect(budgets.get("team-a")).toEqual({ maxSizeBytes: 1 << 20 });
    expect(() => auth.replace(parseTokens(`${TOKENS.reader} read a\n${TOKENS.reader} read b`, "x"))).toThrow(/twice/);
    expect(await auth.verify(`Bearer ${TOKENS.writer}`)).toEqual({ scope: "read-write", namespace: "team-a" });
    auth.replace(parseTokens(`${TOKENS.reader} admin team-b maxEntries=5`, "x"));
    expect(budgets).toBe(auth.budgets);
    expect([...budgets]).toEqual([["team-b", { maxEntries: 5 }]]);
    expect(await auth.verify(`Bearer ${TOKENS.writer}`)).toBe(null);
    expect(await auth.verify(`Bearer ${TOKENS.reader}`)).toEqual({ scope: "read-write", namespace: "team-b", admin: true });
  });
});
