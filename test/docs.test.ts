import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { README_PATH, renderReadme } from "../scripts/readme-tables.ts";

describe("README", () => {
  it("configuration tables match the option schemas (run: npx tsx scripts/readme-tables.ts)", () => {
    const readme = readFileSync(README_PATH, "utf8");
    expect(renderReadme(readme)).toBe(readme);
  });

  it("states the test command that .ci/run runs", () => {
    const readme = readFileSync(README_PATH, "utf8");
    const ci = readFileSync(new URL("../.ci/run", import.meta.url), "utf8");
    expect(readme).toContain("npm test");
    expect(ci).toMatch(/^npm test$/m);
  });
});
