import { describe, expect, it } from "vitest";
import { SessionLog } from "../../src/status/sessions.ts";

describe("SessionLog time-saved estimate", () => {
  const report = (misses: number, durationMs?: number, savedMs?: number) => ({
    buildKey: "repo go build",
    hits: 100 - misses,
    misses,
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(savedMs === undefined ? {} : { savedMs }),
  });
  const last = (log: SessionLog, ns = "a") => log.list([ns])[0]?.sessions[0];

  it("is what this session ran faster than the key's coldest one, and unknown before a colder one was seen", () => {
    const log = new SessionLog(() => 1);
    log.add("a", report(90, 60_000));
    expect(last(log)?.savedMs).toBeUndefined();
    log.add("a", report(0, 4_000));
    expect(last(log)?.savedMs).toBe(56_000);
    // A slower warm run saves nothing rather than a negative time.
    log.add("a", report(10, 70_000));
    expect(last(log)?.savedMs).toBe(0);
  });

  it("keeps the client's own figure, and never compares across namespaces or build keys", () => {
    const log = new SessionLog(() => 1);
    log.add("a", report(90, 60_000));
    log.add("a", report(0, 4_000, 1234));
    expect(last(log)?.savedMs).toBe(1234);
    log.add("b", report(0, 4_000));
    expect(last(log, "b")?.savedMs).toBeUndefined();
    log.add("a", { ...report(0, 4_000), buildKey: "repo go test" });
    expect(log.list(["a"]).find((k) => k.buildKey === "repo go test")?.sessions[0]?.savedMs).toBeUndefined();
  });

  it("takes a colder session as the new reference", () => {
    const log = new SessionLog(() => 1);
    log.add("a", report(10, 20_000));
    log.add("a", report(95, 80_000));
    expect(last(log)?.savedMs).toBeUndefined();
    log.add("a", report(0, 5_000));
    expect(last(log)?.savedMs).toBe(75_000);
  });
});
