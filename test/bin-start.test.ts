import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { encodeHandshake } from "../packages/cacheprog-client/src/protocol/wire.ts";
import { clientBin } from "./harness/bins.ts";
import { GoSandbox } from "./harness/go.ts";

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

/** The bin as go runs it: arguments, a close request on stdin, everything it prints. */
function run(args: string[], stdin = '{"ID":1,"Command":"close"}\n', nodeArgs: string[] = []) {
  const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "" };
  const result = spawnSync(process.execPath, [...nodeArgs, clientBin, ...args], { env, input: stdin, encoding: "utf8", timeout: 30_000 });
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

  // ops/v8-flags.ts: a session runs without V8's optimizing tiers (peak RSS; see there). Probed at exit:
  // a function forced to optimize stays unoptimized (V8's status bit 16, "optimized").
  it("the client runs with V8's optimizing compilers off; plain node (the probe's control) optimizes", () => {
    const probe = `${sandbox.file("optimization-probe")}.cjs`;
    const report = sandbox.file("optimization-status");
    // Into a file: a session has closed its stdout and stderr by the time its exit handlers run.
    writeFileSync(
      probe,
      `process.on("exit", () => {
        const f = new Function("x", "return x + 1");
        const status = new Function("f", "%PrepareFunctionForOptimization(f); f(1); f(2); %OptimizeFunctionOnNextCall(f); f(3); return %GetOptimizationStatus(f);")(f);
        require("node:fs").writeFileSync(${JSON.stringify(report)}, "optimization status " + status + "\\n");
      });`,
    );
    const optimized = () => (Number(/optimization status (\d+)/.exec(readFileSync(report, "utf8"))?.[1] ?? Number.NaN) & 16) !== 0;
    const node = ["--allow-natives-syntax", "-r", probe];
    const client = run([`--dir=${sandbox.dir("client")}`], undefined, node);
    expect(client.code, client.stderr).toBe(0);
    expect(optimized()).toBe(false);
    spawnSync(process.execPath, [...node, "-e", "0"], { encoding: "utf8" });
    expect(optimized()).toBe(true);
  });

  // A client stuck in Node's own exit (a V8 worker and the main thread waiting on each other, as
  // nodejs/node#54918) must not hold up go, which waits for EOF on its stdout, nor whoever reads go's
  // stderr: the session closes both before it exits. Here an exit handler blocks for good.
  it("closes its stdout and stderr before exiting, so a client stuck in its exit holds up nobody", async () => {
    const stuck = `${sandbox.file("stuck-exit")}.cjs`;
    writeFileSync(stuck, `process.on("exit", () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));`);
    const child = spawn(process.execPath, ["-r", stuck, clientBin, `--dir=${sandbox.dir("stuck")}`], { stdio: "pipe" });
    try {
      const ended = (stream: NodeJS.ReadableStream) =>
        new Promise<string>((resolve) => {
          let text = "";
          stream.setEncoding("utf8");
          stream.on("data", (chunk: string) => {
            text += chunk;
          });
          stream.on("end", () => resolve(text));
        });
      const [stdout, stderr] = [ended(child.stdout), ended(child.stderr)];
      child.stdin.end('{"ID":1,"Command":"close"}\n');
      expect((await stdout).split("\n")).toEqual([encodeHandshake().trimEnd(), '{"ID":1}', ""]);
      await stderr;
      // Both pipes are closed, yet the process is still in its (blocked) exit.
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
    } finally {
      child.kill("SIGKILL");
    }
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
