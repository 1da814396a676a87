import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { clientBin } from "./harness/bins.ts";
import { compiledPackages, countCompileActions, GoSandbox, LINK_ACTION } from "./harness/go.ts";
import { gomod } from "./harness/gomod.ts";
import { getFreePort } from "./harness/ports.ts";
import { remoteEnv, runRemote } from "./harness/runners.ts";
import { startCacheServer } from "./harness/server.ts";

const sandbox = GoSandbox.create();
afterAll(() => sandbox.remove());

/** `gocacheprog warm` as a CI step runs it: the bin, its own environment, no go anywhere. */
function warm(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [clientBin, "warm"],
      { env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 60_000 },
      (err, _out, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stderr });
      },
    );
  });
}

describe("gocacheprog warm (embedded storage)", () => {
  it("fills a fresh directory from the key's manifest, so the build after it is all local hits: 0 compiles", async () => {
    const server = await startCacheServer();
    try {
      const key = { GOCACHEPROG_KEY: "ci-linux-amd64" };
      const a = await runRemote(sandbox, ["build", "-x", "./..."], {
        goCache: sandbox.dir("gocache"),
        clientDir: sandbox.dir("client"),
        env: remoteEnv(server.url, undefined, key),
      });
      expect(a.code, a.stderr).toBe(0);
      expect(a.stats.manifestIds).toBeGreaterThan(gomod.packageCount);

      const dir = sandbox.dir("client-warmed");
      const sentBefore = await server.metric("gocacheprog_prefetch_entries_total", { result: "sent" });
      const filled = await warm({ GOCACHEPROG_URL: server.url, GOCACHEPROG_DIR: dir, ...key });
      console.info(filled.stderr.trim());
      expect(filled.code, filled.stderr).toBe(0);
      const [, stored, announced] = /warm: (\d+) of (\d+) entries/.exec(filled.stderr) ?? [];
      // Every manifest entry the server still holds (one go put may not have been uploaded).
      expect(Number(announced)).toBeGreaterThan(gomod.packageCount);
      expect(Number(announced)).toBeLessThanOrEqual(a.stats.manifestIds);
      expect(Number(stored)).toBe(Number(announced));
      expect((await server.metric("gocacheprog_prefetch_entries_total", { result: "sent" })) - sentBefore).toBe(Number(stored));

      // No server at all: only what the warm command left can answer.
      const local = await runRemote(sandbox, ["build", "-x", "./..."], { goCache: sandbox.dir("gocache"), clientDir: dir, env: {} });
      expect(local.code, local.stderr).toBe(0);
      expect(countCompileActions(local.stderr), `compiled ${compiledPackages(local.stderr)}`).toBe(0);
      // The one miss go always has: `./...` links cmd/demo (go caches no linked binary here).
      expect(local.stats.misses).toBe(local.stderr.match(LINK_ACTION)?.length ?? 0);
      expect(local.stats.localHits).toBe(local.stats.hits);

      // With the server and the same key: the session sees the directory already warm and streams nothing again.
      const b = await runRemote(sandbox, ["build", "-x", "./..."], {
        goCache: sandbox.dir("gocache"),
        clientDir: dir,
        env: remoteEnv(server.url, undefined, key),
      });
      expect(b.code, b.stderr).toBe(0);
      expect(countCompileActions(b.stderr)).toBe(0);
      expect(b.stats.warmEntries).toBe(0);
      expect(b.stats.remoteGets).toBeLessThanOrEqual(b.stats.misses + 2);

      // Run again over the warm directory: nothing is fetched twice.
      const again = await warm({ GOCACHEPROG_URL: server.url, GOCACHEPROG_DIR: dir, ...key });
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/warm: 0 of \d+ entries .*already holds them/);

      // A key no build used: nothing to fetch, still exit 0.
      const unknown = await warm({ GOCACHEPROG_URL: server.url, GOCACHEPROG_DIR: sandbox.dir("client"), GOCACHEPROG_KEY: "never-built" });
      expect(unknown.code).toBe(0);
      expect(unknown.stderr).toMatch(/warm: 0 of 0 entries .*\(the server has no manifest for this key\)/);
    } finally {
      await server.close();
    }
  });

  it("is best effort: a server that is down or hangs ends in one line and exit 0, within the remote timeout", async () => {
    const dir = sandbox.dir("client");
    const down = await warm({ GOCACHEPROG_URL: `http://127.0.0.1:${await getFreePort()}`, GOCACHEPROG_DIR: dir, GOCACHEPROG_KEY: "k" });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/warm: 0 of 0 entries .*\(prefetch failed: .*ECONNREFUSED/);

    // Accepts connections and never answers (a blackholed proxy): cut after --remote-timeout without a byte.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const hung = await warm({
        GOCACHEPROG_URL: `http://127.0.0.1:${port}`,
        GOCACHEPROG_DIR: dir,
        GOCACHEPROG_KEY: "k",
        GOCACHEPROG_REMOTE_TIMEOUT: "1s",
      });
      expect(hung.code, hung.stderr).toBe(0);
      expect(hung.stderr).toMatch(/warm: 0 of 0 entries .*\(prefetch stopped: no bytes for 1000 ms\)/);
      expect(sockets.length).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("refuses to guess a key (exit 2, nothing written); without a server there is nothing to do (exit 0)", async () => {
    const keyless = sandbox.dir("client");
    fs.rmSync(keyless, { recursive: true, force: true });
    const noKey = await warm({ GOCACHEPROG_URL: "http://127.0.0.1:9", GOCACHEPROG_DIR: keyless });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain("warm needs the build key the go commands will use: --key or GOCACHEPROG_KEY");
    expect(fs.existsSync(keyless)).toBe(false);

    // A fork's pull request: no URL (and no key) reaches the job. Not an error.
    const noServer = await warm({ GOCACHEPROG_DIR: keyless });
    expect(noServer.code).toBe(0);
    expect(noServer.stderr).toContain("no server (--url, GOCACHEPROG_URL); nothing to do");
    expect(fs.existsSync(keyless)).toBe(false);

    // A --dir that cannot be a directory: one line, exit 0 (the build reports its own trouble).
    const file = sandbox.file("not-a-dir");
    fs.writeFileSync(file, "x");
    const server = await startCacheServer();
    try {
      const blocked = await warm({ GOCACHEPROG_URL: server.url, GOCACHEPROG_DIR: `${file}/sub`, GOCACHEPROG_KEY: "k" });
      expect(blocked.code, blocked.stderr).toBe(0);
      expect(blocked.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
