import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { encodeHandshake } from "../packages/cacheprog-client/src/protocol/wire.ts";
import { clientBin } from "./harness/bins.ts";
import { GoSandbox } from "./harness/go.ts";

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

/** The bin as go runs it: arguments, a close request on stdin, everything it prints. */
function run(args: string[], stdin = '{"ID":1,"Command":"close"}\n') {
  const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" };
  const result = spawnSync(process.execPath, [clientBin, ...args], { env, input: stdin, encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the bin's start", () => {
  // The launcher sends the handshake before the bundle loads when every argument is a --flag; with a
  // separate flag value the bundle sends it. Either way go sees exactly one, first.
  it.each([
    ["flags only (the launcher sends it)", (dir: string) => [`--dir=${dir}`]],
    ["a flag with a separate value (the bundle sends it)", (dir: string) => ["--dir", dir]],
  ])("a session answers with one handshake, then the close: %s", (_label, args) => {
    const session = run(args(sandbox.dir("client")));
    expect(session.code, session.stderr).toBe(0);
    expect(session.stdout.split("\n")).toEqual([encodeHandshake().trimEnd(), '{"ID":1}', ""]);
  });

  it("subcommands, --help and --version print no handshake", () => {
    expect(run(["--version"]).stdout).toMatch(/^gocacheprog \d+\.\d+\.\d+\n$/);
    expect(run(["--help"]).stdout).not.toContain("KnownCommands");
    expect(run(["summary", "--help"]).stdout).not.toContain("KnownCommands");
    const warm = run(["warm"], "");
    expect(warm.stdout).toBe("");
    expect(warm.stderr).toContain("nothing to do");
  });
});
