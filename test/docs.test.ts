import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refusal } from "../bench/src/peers.ts";
import { README_PATH, renderReadme } from "../scripts/readme-tables.ts";
import { repoRoot } from "./harness/bins.ts";

describe("README", () => {
  it("configuration tables match the option schemas (run: npx tsx scripts/readme-tables.ts)", () => {
    const readme = readFileSync(README_PATH, "utf8");
    expect(renderReadme(readme)).toBe(readme);
  });

  it("states the test command that .ci/run runs, and CI's second run under Node 24", () => {
    const readme = readFileSync(README_PATH, "utf8");
    const ci = readFileSync(new URL("../.ci/run", import.meta.url), "utf8");
    expect(readme).toContain("npm test");
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm run test:node24$/m);
    expect(readme).toContain("npm run test:node24");
  });
});

describe("benchmark reports", () => {
  it("quote a module proxy's refusal by status and message, never its address", () => {
    // What go prints when the proxy refuses (a loopback stand-in for the proxy's address).
    const stderr = [
      "go: example.test/tool@v0.1.1: module example.test/tool: reading http://127.0.0.1:9/example.test/tool/@latest: 403 Forbidden",
      "\tserver response: This module version is not available.",
    ].join("\n");
    expect(refusal({ stderr })).toBe("the module proxy refused it: 403 Forbidden: This module version is not available.");
    expect(refusal(new Error("dial tcp: lookup https://modules.invalid/x failed"))).toBe("dial tcp: lookup <url> failed");
  });

  it("the README's and the stored results' peer lines hold no URL", () => {
    const files = [README_PATH, ...readdirSync(join(repoRoot, "bench/results")).map((f) => join(repoRoot, "bench/results", f))];
    for (const file of files.filter((f) => /\.(md|json)$/.test(f))) {
      const peerLines = readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => /go-cache-plugin"?:|\*\*gocached\*\*/.test(line));
      for (const line of peerLines) expect(line, file).not.toMatch(/:\/\//);
    }
  });
});
