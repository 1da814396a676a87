import { constants, PerformanceObserver } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { youngCollector } from "../src/garbage.ts";

describe("youngCollector", () => {
  it("runs a young-generation collection each time its byte count passes the threshold", async () => {
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind);
    });
    observer.observe({ entryTypes: ["gc"] });
    try {
      const meter = youngCollector(1 << 20);
      for (let i = 0; i < 40; i++) meter(256 << 10); // 10 MiB in quarters: 10 collections
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      observer.disconnect();
    }
    // Collections V8 starts by itself only add to the count; a meter that never collects stays far below.
    expect(kinds.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length).toBeGreaterThanOrEqual(10);
  });
});
