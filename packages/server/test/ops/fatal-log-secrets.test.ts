// The server's last-resort log line ("gocacheprog-server failed") serializes the error with pino's err
// serializer, which copies every enumerable property. Node's URL errors (ERR_INVALID_URL) carry the whole
// text they refused as `input`: a typo in a URL that holds a password must not put the password on stderr.
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestBin } from "../support/real-server.ts";

const SECRET = "s3cr3t-XYZ";

let bin: Awaited<ReturnType<typeof buildTestBin>>;
beforeAll(async () => {
  bin = await buildTestBin();
});
afterAll(() => bin?.remove());

/** Runs the bin to its exit; everything it wrote to stdout and stderr. */
function run(argv: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin.main, ...argv], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("a URL that does not parse and holds a password", () => {
  it("--status-url: the failure is logged without the password", async () => {
    const { code, output } = await run(["status"], { GOCACHEPROG_SERVER_STATUS_URL: `http//ops:${SECRET}@127.0.0.1:1` });
    expect(code).not.toBe(0);
    expect(output).toContain("Invalid URL");
    expect(output).not.toContain(SECRET);
  });

  it("--redis-url (a port that is not a number): the failure is logged without the password", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "gcp-fatal-secrets-"));
    const { code, output } = await run(["gc"], {
      GOCACHEPROG_SERVER_DATA_DIR: dataDir,
      GOCACHEPROG_SERVER_REDIS_URL: `redis://:${SECRET}@127.0.0.1:63x79/0`,
    });
    expect(code).not.toBe(0);
    expect(output).toContain("Invalid URL");
    expect(output).not.toContain(SECRET);
  });
});
