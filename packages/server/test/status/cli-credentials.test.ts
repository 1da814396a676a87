import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseCommandLine } from "../../src/ops/config.ts";
import { printStatus } from "../../src/status/cli.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

function captureStderr(): { text: string } {
  const captured = { text: "" };
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    captured.text += String(chunk);
    return true;
  });
  return captured;
}

describe("gocacheprog-server status with credentials in --status-url", () => {
  it("never prints the URL's password to stderr", async () => {
    const { options } = parseCommandLine(["status", "--status-url", "http://ops:s3cr3t-pw@127.0.0.1:1"], {});
    const stderr = captureStderr();
    expect(await printStatus(options, () => {})).toBe(1);
    expect(stderr.text).toContain("did not answer");
    expect(stderr.text).not.toContain("s3cr3t-pw");
  });

  it("sends them as Basic credentials (a proxy in front of the server), not in the URL", async () => {
    const seen: { authorization?: string; url?: string } = {};
    const server = createServer((req, res) => {
      Object.assign(seen, { authorization: req.headers.authorization, url: req.url });
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "no" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { options } = parseCommandLine(["status", "--status-url", `http://ops:s3cr%40t@127.0.0.1:${port}`], {});
      const stderr = captureStderr();
      expect(await printStatus(options, () => {})).toBe(1);
      expect(seen).toEqual({ authorization: `Basic ${Buffer.from("ops:s3cr@t").toString("base64")}`, url: "/v1/status" });
      expect(stderr.text).toContain("HTTP 401");
    } finally {
      server.close();
    }
  });

  it("never prints a --status-token-file that holds more than one token (e.g. the server's tokens file)", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "gcp-status-token-")), "tokens");
    await writeFile(file, "s3cr3t-XYZ-0123456789 admin ops\nanother-s3cr3t-XYZ read team\n");
    const { options } = parseCommandLine(["status", "--status-url", "http://127.0.0.1:1", "--status-token-file", file], {});
    const stderr = captureStderr();
    const outcome = await printStatus(options, () => {}).then(
      (code) => `exit ${code}`,
      (err: Error) => err.message,
    );
    expect(`${outcome}\n${stderr.text}`).not.toContain("s3cr3t-XYZ");
    expect(outcome).toContain("--status-token-file");
  });
});
