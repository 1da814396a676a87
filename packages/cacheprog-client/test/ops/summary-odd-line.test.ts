import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it, vi } from "vitest";
import { runSummary } from "../../src/ops/summary.ts";

const work = mkdtempSync(join(tmpdir(), "gcp-summary-odd-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("an odd line whose command is not a string is summed or skipped, never a crash of the job summary", async () => {
  const file = join(work, "stats.jsonl");
  const stepSummary = join(work, "summary.md");
  writeFileSync(
    file,
    `${JSON.stringify({ version: 1, gets: 4, hits: 3, command: "go build" })}\n${JSON.stringify({ gets: 2, hits: 1, command: 7 })}\n`,
  );
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    expect(await runSummary([file], { GITHUB_STEP_SUMMARY: stepSummary })).toBe(0);
  } finally {
    out.mockRestore();
  }
  expect(readFileSync(stepSummary, "utf8")).toContain("| **total** |  | 6 | 4 |");
});
