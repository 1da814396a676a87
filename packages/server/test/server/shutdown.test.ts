import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers, routes } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { getFreePort } from "../../../../test/harness/ports.ts";
import { buildTestBin, randomId, send, sha256 } from "../support/real-server.ts";

let bin: Awaited<ReturnType<typeof buildTestBin>>;
beforeAll(async () => {
  bin = await buildTestBin();
});
afterAll(() => bin?.remove());

async function waitFor(check: () => Promise<boolean> | boolean): Promise<void> {
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  )
    await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("gocacheprog-server bin", () => {
  it("on SIGTERM stops accepting, finishes the in-flight upload, then exits 0", async () => {
    const port = await getFreePort();
    const dataDir = await mkdtemp(join(tmpdir(), "gcp-shutdown-"));
    const child = spawn(process.execPath, [bin.main, "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // A failing assertion must not leave the server running.
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await send(url, "GET", "/healthz")).status === 200);
    expect(log).toContain("NO TOKENS CONFIGURED");

    const data = randomBytes(2 * 1024 * 1024);
    const action = randomId();
    const upload = new Promise<number>((resolve, reject) => {
      const req = request(`${url}${routes.action(action)}`, {
        method: "PUT",
        headers: { [headers.outputId]: sha256(data), "content-length": String(data.length) },
      });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.write(data.subarray(0, 1024 * 1024));
      // Send the rest only once the server has begun shutting down.
      waitFor(() => log.includes("shutting down")).then(() => req.end(data.subarray(1024 * 1024)));
    });
    // The upload is in flight once the handler has started streaming its body.
    await waitFor(async () => /gocacheprog_bytes_in_total [1-9]/.test((await send(url, "GET", "/metrics")).body.toString()));
    child.kill("SIGTERM");
    expect(await upload).toBe(201);
    expect(await exited).toBe(0);
    expect(log).toContain('"msg":"shut down"');
    await expect(send(url, "GET", "/healthz")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("still shuts down when nobody reads its stderr any more (logging never blocks the server)", async () => {
    const port = await getFreePort();
    const dataDir = await mkdtemp(join(tmpdir(), "gcp-stalled-"));
    const child = spawn(process.execPath, [bin.main, "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir, "--log-level", "trace"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await send(url, "GET", "/healthz")).status === 200);
    // Stop reading: the pipe fills up after a few hundred request log lines.
    child.stderr.pause();
    for (let i = 0; i < 2000; i++) {
      const res = await fetch(`${url}${routes.action(randomId())}`);
      await res.arrayBuffer();
      expect(res.status).toBe(404);
    }
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
