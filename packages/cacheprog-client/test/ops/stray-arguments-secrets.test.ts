// A Go-style single-dash flag (-token=...) is not one of ours: it reaches a subcommand as a stray argument
// with its value attached. Saying which argument was not taken must not print that value: stderr ends up in
// CI and container logs. (The session and `warm` already show such arguments up to their "=" only.)
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { BIN, buildBin } from "../helpers.ts";

const SECRET = "s3cr3t-XYZ";

beforeAll(() => buildBin());

function run(args: string[]) {
  const result = spawnSync(BIN, args, { env: { PATH: process.env["PATH"] ?? "" }, encoding: "utf8" });
  return { code: result.status, output: result.stdout + result.stderr };
}

describe("stray arguments with a secret in them", () => {
  it("gocacheprog goauth -token=...: refused without the token", () => {
    const { code, output } = run(["goauth", `-token=${SECRET}`]);
    expect(code).toBe(2);
    expect(output).toContain("-token=");
    expect(output).not.toContain(SECRET);
  });

  it("gocacheprog summary FILE -token=...: refused without the token", () => {
    const { code, output } = run(["summary", "stats.jsonl", `-token=${SECRET}`]);
    expect(code).toBe(2);
    expect(output).toContain("expected one stats file");
    expect(output).not.toContain(SECRET);
  });

  it("gocacheprog (the session) -token=...: refused without the token, as before", () => {
    const { code, output } = run([`-token=${SECRET}`]);
    expect(code).toBe(2);
    expect(output).not.toContain(SECRET);
  });
});
