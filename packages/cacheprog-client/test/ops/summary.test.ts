import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStatsLines } from "../../src/ops/job-stats.ts";
import { formatTotalsMarkdown, totalsOf } from "../../src/ops/summary.ts";
import { BIN, buildBin } from "../helpers.ts";

const work = mkdtempSync(join(tmpdir(), "gcp-summary-"));
beforeAll(() => buildBin());
afterAll(() => rmSync(work, { recursive: true, force: true }));

const record = (gets: number, hits: number, extra: object = {}) =>
  JSON.stringify({ version: 1, gets, hits, misses: gets - hits, getErrors: 0, hitBytes: 1e6, ...extra });

describe("gocacheprog summary", () => {
  it("skips and counts lines that are not records (a client killed mid-write), summing the rest", () => {
    const { records, badLines } = parseStatsLines(
      `${record(10, 5)}\n\n[1]\nnull\n{"gets":"x"}\n${record(4, 4, { newCounter: 2 })}\n{"gets": 3, "hi`,
    );
    expect(records).toHaveLength(2);
    expect(badLines).toBe(4);
    const totals = totalsOf(records, badLines);
    expect(totals.sums).toMatchObject({ gets: 14, hits: 9, misses: 5, hitBytes: 2e6, newCounter: 2 });
    expect(totals.sums["version"]).toBeUndefined();
    expect(totals.hitRate).toBeCloseTo(9 / 14, 10);
    expect(totalsOf([]).hitRate).toBe(0);
  });

  it("keeps the Markdown table sane: markup stripped from command names, rows capped", () => {
    const records = Array.from({ length: 60 }, (_, i) => ({ ...JSON.parse(record(2, 1)), command: i === 0 ? "go | <b>x</b>" : "go test" }));
    const markdown = formatTotalsMarkdown(totalsOf(records), records);
    expect(markdown).toContain("| 1 | go  bx/b | 2 | 1 | 50.0% |");
    expect(markdown).toContain("| ... | 10 more |");
    expect(markdown).toContain("| **total** |  | 120 | 60 | 50.0% |");
  });

  it("exits 2 without exactly one file, 1 for a file it cannot read, and writes no step summary then", () => {
    const stepSummary = join(work, "step.md");
    const env = { PATH: process.env["PATH"] ?? "", GITHUB_STEP_SUMMARY: stepSummary };
    expect(spawnSync(BIN, ["summary"], { env, encoding: "utf8" }).status).toBe(2);
    const missing = spawnSync(BIN, ["summary", join(work, "missing.jsonl")], { env, encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("cannot read");
    expect(() => readFileSync(stepSummary)).toThrow();
    const file = join(work, "stats.jsonl");
    writeFileSync(file, `${record(3, 3)}\ngarbage\n`);
    const ok = spawnSync(BIN, ["summary", file], { env, encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^gocacheprog summary: 1 go commands \(1 unreadable lines skipped\): 3 lookups, 3 hits \(100\.0%/);
    expect(readFileSync(stepSummary, "utf8")).toContain("1 unreadable lines of the stats file were skipped.");
  });
});
