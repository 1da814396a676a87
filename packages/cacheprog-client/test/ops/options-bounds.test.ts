import { describe, expect, it } from "vitest";
import { parseClientOptions } from "../../src/ops/config.ts";

describe("client option bounds", () => {
  it("refuses a deadline past 24d (node would run the timer after 1 ms: a 30d 'no limit' cut at once)", () => {
    for (const flag of ["remote-timeout", "upload-drain-timeout", "prefetch-timeout"]) {
      expect(() => parseClientOptions([`--${flag}`, "30d"], {}), flag).toThrow(/expected at most 24d/);
    }
    expect(parseClientOptions(["--prefetch-timeout", "24d"], {}).values.prefetchTimeout).toBe(24 * 86400e3);
  });

  it("refuses counts that would stall the client (no upload worker, no socket)", () => {
    expect(() => parseClientOptions(["--upload-concurrency", "0"], {})).toThrow(/--upload-concurrency "0": expected at least 1/);
    expect(() => parseClientOptions([], { GOCACHEPROG_REMOTE_CONNECTIONS: "-1" })).toThrow(/expected at least 1/);
    expect(() => parseClientOptions(["--upload-queue", "0"], {})).toThrow(/expected at least 1/);
  });

  it("refuses a byte size past 2^53-1 bytes (kept inexactly, past 2^64 wrapped on the wire) instead of sending another one", () => {
    const refused = /--prefetch-max-bytes "[^"]+": expected .*at most 9007199254740991 bytes/;
    for (const text of ["18446744073709551617", "36893488147419103232", "9007199254740993", "9000000TiB", "9".repeat(400)]) {
      expect(() => parseClientOptions(["--prefetch-max-bytes", text], {}), text).toThrow(refused);
    }
    expect(() => parseClientOptions([], { GOCACHEPROG_PREFETCH_MAX_BYTES: "18446744073709551617" })).toThrow(
      /GOCACHEPROG_PREFETCH_MAX_BYTES .*at most 9007199254740991 bytes/,
    );
    // Every byte-size option goes through the same parser.
    expect(() => parseClientOptions(["--max-size", "20000000000000000000"], {})).toThrow(/--max-size .*at most 9007199254740991 bytes/);
    const largest = parseClientOptions(["--prefetch-max-bytes", String(Number.MAX_SAFE_INTEGER)], {});
    expect(largest.values.prefetchMaxBytes).toBe(Number.MAX_SAFE_INTEGER);
  });
});
