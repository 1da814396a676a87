import { describe, expect, it } from "vitest";
import { statusPage } from "../../src/status/page.ts";
import type { StatusReport, Window } from "../../src/status/report.ts";

const w: Window = { hits: 0, misses: 0, bytesIn: 0, bytesOut: 0, lookups: 0, hitRate: null };

describe("status page build keys (README: 'hits, misses, prefetch used, duration, and an estimate of the time saved')", () => {
  it("shows the duration of the last session", async () => {
    const report: StatusReport = {
      generatedAt: "2026-01-01T00:00:00.000Z",
      version: "t",
      startedAt: "2026-01-01T00:00:00.000Z",
      scope: "all",
      countersKept: "per replica, in memory, since it started (at most a day)",
      backends: [],
      totals: { entries: 0, bytes: 0, lastHour: w, lastDay: w },
      namespaces: [],
      hitRateSeries: { stepMinutes: 15, points: [] },
      buildKeys: [
        {
          namespace: "a",
          buildKey: "acme/app go test",
          sessions: [{ buildKey: "acme/app go test", hits: 1, misses: 2, durationMs: 5200, atMs: 0 }],
        },
      ],
      moduleProxy: null,
      gc: { intervalMs: 0, runs: [] },
    };
    const html = String(await statusPage(report, false));
    expect(html).toContain("<th>Duration</th>");
    expect(html).toContain('<td class="n">5.2 s</td>');
  });
});
