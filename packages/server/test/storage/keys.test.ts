import { describe, expect, it } from "vitest";
import {
  actionRecordKey,
  embeddedIndexKey,
  GOMOD_NAMESPACE,
  gomodEntryId,
  isValidNamespace,
  outputKey,
  parseActionRecordKey,
  parseEmbeddedIndexKey,
  parseOutputKey,
  parseRedisActionKey,
  redisActionKey,
  redisActionPattern,
} from "../../src/storage/keys.ts";
import { randomHexId } from "../support/contract-helpers.ts";

describe("storage keys", () => {
  const hex = "ab" + "0".repeat(62);

  it("builds the documented layout from validated IDs", () => {
    expect(outputKey("team-a", hex)).toBe(`team-a/o/ab/${hex}`);
    expect(actionRecordKey("team-a", hex)).toBe(`team-a/a/ab/${hex}`);
    expect(redisActionKey("gcp:", "team-a", hex)).toBe(`gcp:team-a:a:${hex}`);
    expect(embeddedIndexKey("team-a", hex)).toBe(`team-a/${hex}`);
  });

  it("accepts only plain namespaces", () => {
    for (const ok of ["default", "a", "team_1.prod-x", "9", "a".repeat(63)]) expect(isValidNamespace(ok), ok).toBe(true);
    for (const bad of ["", "..", ".hidden", "-x", "A", "a/b", "a:b", "a\\b", "a b", "a".repeat(64), "é"])
      expect(isValidNamespace(bad), bad).toBe(false);
  });

  it("refuses anything that is not a 64-hex ID or a valid namespace", () => {
    for (const id of ["", "../etc", hex.toUpperCase(), hex.slice(1), `${hex}0`, `${hex.slice(2)}/.`]) {
      expect(() => outputKey("ns", id), id).toThrow(RangeError);
      expect(() => actionRecordKey("ns", id), id).toThrow(RangeError);
      expect(() => redisActionKey("gcp:", "ns", id), id).toThrow(RangeError);
    }
    expect(() => outputKey("../x", hex)).toThrow(RangeError);
  });

  it("parses its own keys back and nothing else", () => {
    const id = randomHexId();
    expect(parseActionRecordKey(actionRecordKey("ns", id))).toEqual({ namespace: "ns", actionHex: id });
    expect(parseOutputKey(outputKey("ns", id))).toEqual({ namespace: "ns", outputHex: id });
    expect(parseActionRecordKey(outputKey("ns", id))).toBeNull();
    expect(parseActionRecordKey(`ns/a/zz/${id}`)).toBeNull();
    expect(parseEmbeddedIndexKey(embeddedIndexKey("ns", id))).toEqual({ namespace: "ns", actionHex: id });
    expect(parseRedisActionKey("gcp:", redisActionKey("gcp:", "ns", id))).toEqual({ namespace: "ns", actionHex: id });
    expect(parseRedisActionKey("other:", redisActionKey("gcp:", "ns", id))).toBeNull();
  });

  it("keeps the module proxy's entries in a namespace no token can carry, and parses them back", () => {
    expect(isValidNamespace(GOMOD_NAMESPACE)).toBe(false);
    const id = gomodEntryId("zip", "example.com/m/@v/v1.0.0.zip");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(gomodEntryId("info", "example.com/m/@v/v1.0.0.zip")).not.toBe(id);
    expect(parseActionRecordKey(actionRecordKey(GOMOD_NAMESPACE, id))).toEqual({ namespace: GOMOD_NAMESPACE, actionHex: id });
    expect(parseOutputKey(outputKey(GOMOD_NAMESPACE, id))).toEqual({ namespace: GOMOD_NAMESPACE, outputHex: id });
    expect(parseEmbeddedIndexKey(embeddedIndexKey(GOMOD_NAMESPACE, id))).toEqual({ namespace: GOMOD_NAMESPACE, actionHex: id });
    expect(parseRedisActionKey("gcp:", redisActionKey("gcp:", GOMOD_NAMESPACE, id))).toEqual({ namespace: GOMOD_NAMESPACE, actionHex: id });
    expect(() => outputKey("_other", id)).toThrow(RangeError);
  });

  it("escapes glob characters of the Redis prefix in the SCAN pattern", () => {
    expect(redisActionPattern("gcp:")).toBe("gcp:*:a:*");
    expect(redisActionPattern("a*b?[c]:")).toBe("a\\*b\\?\\[c\\]:*:a:*");
  });
});
