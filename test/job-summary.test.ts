import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientBin } from "./harness/bins.ts";
import { GoSandbox } from "./harness/go.ts";
import { remoteEnv } from "./harness/runners.ts";
import { type CacheServer, newToken, startCacheServer } from "./harness/server.ts";

/**
 * Issue 15, job summaries: a CI job runs several go commands with one GOCACHEPROG_STATS_FILE; each
 * client appends its line, and `gocacheprog summary` adds them up for the log and the GitHub job summary.
 */

const sandbox = GoSandbox.create();
const token = newToken();
let server: CacheServer;

beforeAll(async () => {
  server = await startCacheServer({ tokens: [{ token, scope: "read-write" }] });
});
afterAll(async () => {
  await server?.close();
  sandbox.remove();
});

const records = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("gocacheprog summary over a job's go commands", () => {
  it("three go commands append three records; the summary's totals are their sums, in the log and the step summary", async () => {
    const job = { goCache: sandbox.dir("gocache"), clientDir: sandbox.dir("client"), env: remoteEnv(server.url, token) };
    const statsFile = path.join(sandbox.dir("job"), "stats.jsonl");
    const commands = [
      ["build", "./stats"],
      ["vet", "./stats"],
      ["test", "./stats"],
    ];
    for (const [i, args] of commands.entries()) {
      const result = await sandbox.run(args, { ...job, statsFile });
      expect(result.code, result.stderr).toBe(0);
      expect(records(statsFile)).toHaveLength(i + 1);
    }
    const sessions = records(statsFile);
    // Each line names its go command (the client's parent), nothing more.
    expect(sessions.map((s) => s["command"])).toEqual(["go build", "go vet", "go test"]);
    for (const s of sessions) expect(s["gets"]).toBe((s["hits"] as number) + (s["misses"] as number) + (s["getErrors"] as number));
    expect(sessions[0]?.["puts"]).toBeGreaterThan(0);

    const stepSummary = path.join(sandbox.dir("runner"), "step-summary.md");
    fs.writeFileSync(stepSummary, "earlier step\n");
    const env = { PATH: process.env["PATH"] ?? "", GITHUB_STEP_SUMMARY: stepSummary };
    const json = spawnSync(clientBin, ["summary", statsFile, "--json"], { env, encoding: "utf8" });
    expect(json.status, json.stderr).toBe(0);
    const totals = JSON.parse(json.stdout) as { commands: number; badLines: number; sums: Record<string, number>; hitRate: number };
    expect(totals.commands).toBe(3);
    expect(totals.badLines).toBe(0);
    const numericKeys = Object.keys(sessions[0] ?? {}).filter((k) => k !== "version" && typeof sessions[0]?.[k] === "number");
    expect(numericKeys).toEqual(expect.arrayContaining(["gets", "hits", "misses", "hitBytes", "uploadBytes", "remoteMs", "processMs"]));
    for (const key of numericKeys) {
      expect(totals.sums[key], key).toBe(sessions.reduce((sum, s) => sum + (s[key] as number), 0));
    }
    const gets = totals.sums["gets"] as number;
    const hits = totals.sums["hits"] as number;
    expect(gets).toBeGreaterThan(0);
    expect(totals.hitRate).toBeCloseTo(hits / gets, 10);

    // Text for the log; Markdown appended after what earlier steps wrote.
    const text = spawnSync(clientBin, ["summary", statsFile], { env, encoding: "utf8" });
    expect(text.status).toBe(0);
    const rate = `${((hits / gets) * 100).toFixed(1)}%`;
    expect(text.stdout).toContain(`gocacheprog summary: 3 go commands: ${gets} lookups, ${hits} hits (${rate}:`);
    const markdown = fs.readFileSync(stepSummary, "utf8");
    expect(markdown.startsWith("earlier step\n### gocacheprog build cache")).toBe(true);
    expect(markdown).toContain(`**${rate} hit rate** over 3 go commands: ${hits} of ${gets} lookups hit`);
    for (const [i, name] of ["go build", "go vet", "go test"].entries()) {
      expect(markdown).toContain(`| ${i + 1} | ${name} | ${sessions[i]?.["gets"]} | ${sessions[i]?.["hits"]} |`);
    }
    expect(markdown).toContain(`| **total** |  | ${gets} | ${hits} | ${rate} |`);
    expect(markdown.split("### gocacheprog build cache")).toHaveLength(3); // --json and text runs each appended once
  });

  it("names the go command through a wrapper that forks (GNU time, a shell script that does not exec)", async () => {
    const wrapper = path.join(sandbox.dir("wrapper"), "wrap.sh");
    // Not `exec`: the client's parent is this shell, and go is its grandparent.
    fs.writeFileSync(wrapper, `#!/bin/sh\n'${clientBin}' "$@"\nstatus=$?\nexit $status\n`, { mode: 0o755 });
    const statsFile = path.join(sandbox.dir("job"), "stats.jsonl");
    const job = { goCache: sandbox.dir("gocache"), clientDir: sandbox.dir("client"), env: { GOCACHEPROG: wrapper } };
    const result = await sandbox.run(["build", "./stats"], { ...job, statsFile });
    expect(result.code, result.stderr).toBe(0);
    expect(records(statsFile).map((s) => s["command"])).toEqual(["go build"]);
  });
});
