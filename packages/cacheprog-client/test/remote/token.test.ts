// The static token as it reaches the server: pasted with a trailing newline (a secret store, `echo`)
// it is trimmed; one that no HTTP header can carry is dropped with a warning that never shows it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseClientOptions } from "../../src/ops/config.ts";
import { createLogger } from "../../src/ops/log.ts";
import { connectRemote, readToken } from "../../src/remote/open.ts";
import { listenOnLoopback, stopServer } from "../helpers.ts";

/** The Authorization header of every request the server saw ("" when there was none). */
const seen: string[] = [];
let server: Server;
let url: string;
let work: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? "");
    req.resume();
    res.writeHead(404).end();
  });
  url = await listenOnLoopback(server);
  work = await mkdtemp(join(tmpdir(), "gocacheprog-token-"));
});
afterAll(async () => {
  await stopServer(server);
  await rm(work, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger("warn", (line) => void lines.push(line)) };
}

/** One lookup through the client connectRemote builds from these flags and environment; the header the server saw. */
async function authorizationSent(argv: string[], env: Record<string, string>): Promise<{ header: string; warnings: string[] }> {
  const { lines, log } = capture();
  const connected = await connectRemote(parseClientOptions(argv, { GOCACHEPROG_URL: url, ...env }).values, log);
  if (!connected) throw new Error("no client");
  seen.length = 0;
  try {
    expect(await connected.client.lookup("ab".repeat(32), () => expect.fail("a 404 opens no sink"))).toBeNull();
  } finally {
    await connected.client.close();
  }
  expect(seen).toHaveLength(1);
  return { header: seen[0] as string, warnings: lines };
}

describe("the static token", () => {
  it("is sent without the trailing newline it was given with, from the environment or the flag", async () => {
    expect(await authorizationSent([], { GOCACHEPROG_TOKEN: "tok\n" })).toEqual({ header: "Bearer tok", warnings: [] });
    expect(await authorizationSent(["--token=tok\r\n"], {})).toEqual({ header: "Bearer tok", warnings: [] });
    const file = join(work, "token");
    await writeFile(file, "tok\n");
    expect(await authorizationSent([], { GOCACHEPROG_TOKEN_FILE: file })).toEqual({ header: "Bearer tok", warnings: [] });
  });

  it("is dropped, with one warning that does not show it, when it holds a space or a control character", async () => {
    for (const secret of ["sup3r secret", "sup3r\x01secret", "sup3r\nX-Injected: 1", "sup3r\tsecret"]) {
      const { lines, log } = capture();
      expect(readToken(parseClientOptions([], { GOCACHEPROG_TOKEN: secret }).values, log), JSON.stringify(secret)).toBeUndefined();
      expect(lines, JSON.stringify(secret)).toHaveLength(1);
      expect(lines[0]).toMatch(/warn: .*token/);
      expect(lines[0]).not.toContain("sup3r");
      expect(lines[0]).not.toContain("secret");
    }
    // The client then goes on without one: the requests still go out, unauthenticated.
    const { header, warnings } = await authorizationSent(["--token=sup3r secret"], {});
    expect(header).toBe("");
    expect(warnings).toHaveLength(1);
    expect(warnings.join("")).not.toContain("sup3r");
  });
});
