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
});
