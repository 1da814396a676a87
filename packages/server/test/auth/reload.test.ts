import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestBin, putOutput, randomId, send, startTestServer } from "../support/real-server.ts";

const A = "token-a-aaaaaaaaaaaaaaaaaaaa";
const B = "token-b-bbbbbbbbbbbbbbbbbbbb";
const C = "token-c-cccccccccccccccccccc";
const D = "token-d-dddddddddddddddddddd";

let dir: string;
let tokensFile: string;

/** Written to a temp name and renamed, as an editor or a Kubernetes Secret update does. */
async function writeTokens(text: string): Promise<void> {
  const temp = join(dir, `tokens.${randomId().slice(0, 8)}`);
  await writeFile(temp, text);
  await rename(temp, tokensFile);
}

async function statusWith(url: string, token: string): Promise<number> {
  return (await send(url, "GET", routes.action(randomId()), { headers: { authorization: `Bearer ${token}` } })).status;
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gcp-tokens-"));
  tokensFile = join(dir, "tokens");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("tokens reload while serving", () => {
  it("a changed tokens file: the new token works, the removed one is refused, and no request fails meanwhile", async () => {
    await writeTokens(`${A} read-write team\n${B} read-write team\n`);
    const server = await startTestServer(["--tokens-file", tokensFile]);
    try {
      // Requests with the token that stays, running across every reload below: each must be an answer (404: a miss).
      const seen = new Map<number, number>();
      let stop = false;
      const load = (async () => {
        while (!stop) {
          const status = await statusWith(server.url, A);
          seen.set(status, (seen.get(status) ?? 0) + 1);
        }
      })();

      expect(await statusWith(server.url, B)).toBe(404);
      expect(await statusWith(server.url, C)).toBe(401);
      await writeTokens(`${A} read-write team\n${C} read team\n`);
      await eventually("the new token is accepted", async () => (await statusWith(server.url, C)) === 404);
      expect(await statusWith(server.url, B)).toBe(401);
      const action = randomId();
      expect((await putOutput(server.url, action, Buffer.from("x"), { authorization: `Bearer ${C}` })).status).toBe(403);

      // A bad file, or one that would leave no token (open access), keeps the tokens in force.
      await writeTokens(`${A} read-write team\n${D} superuser team\n`);
      await eventually("the bad file is reported", async () => server.logs.text.includes("tokens not reloaded"));
      await writeTokens("");
      expect(await server.reloadTokens()).toBe(false);
      expect(await statusWith(server.url, C)).toBe(404);
      expect(await statusWith(server.url, D)).toBe(401);
      expect((await send(server.url, "GET", routes.action(randomId()))).status).toBe(401);

      // An explicit reload (what SIGHUP does) takes effect at once, without waiting for the poll.
      await writeTokens(`${A} read-write team\n${D} read team\n`);
      expect(await server.reloadTokens()).toBe(true);
      expect(await statusWith(server.url, D)).toBe(404);

      stop = true;
      await load;
      expect(Object.fromEntries(seen)).toEqual({ 404: expect.any(Number) });
      expect(server.logs.text).not.toContain(D);
    } finally {
      await server.close();
    }
  }, 90_000); // two reloads through the 2 s poll and its 4 s settle take ~12 s of timers alone

  it("refuses to start on an empty tokens file (a Secret not filled yet) instead of serving everyone", async () => {
    await writeTokens("# filled in later\n");
    await expect(startTestServer(["--tokens-file", tokensFile])).rejects.toThrow(/holds no tokens: not starting with open access/);
  });

  it("the bin reloads on SIGHUP and keeps serving", async () => {
    await writeTokens(`${A} read-write team\n`);
    const bin = await buildTestBin();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let child: ChildProcess | undefined;
    try {
      child = spawn(
        process.execPath,
        [bin.main, "--listen", `127.0.0.1:${port}`, "--data-dir", join(dir, "data"), "--tokens-file", tokensFile, "--gc-interval", "0"],
        { stdio: ["ignore", "ignore", "pipe"], env: { PATH: process.env["PATH"] ?? "" } },
      );
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await eventually("the server listens", async () => stderr.includes("gocacheprog-server listening"));
      expect(await statusWith(url, B)).toBe(401);
      // Written in place (no rename) and signalled at once: the poll may or may not have seen it yet.
      await writeFile(tokensFile, `${B} read-write team\n`);
      child.kill("SIGHUP");
      await eventually("the reload is logged", async () => stderr.includes("tokens reloaded"));
      expect(await statusWith(url, B)).toBe(404);
      expect(await statusWith(url, A)).toBe(401);
      expect(child.exitCode).toBe(null);
    } finally {
      child?.kill("SIGTERM");
      if (child && child.exitCode === null) await new Promise((resolve) => child?.once("exit", resolve));
      await bin.remove();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
