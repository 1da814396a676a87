import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import type { Logger } from "../../src/ops/log.ts";
import type { StatsJson } from "../../src/ops/stats.ts";
import { postSessionReport, sessionReport } from "../../src/remote/session-report.ts";
import { buildBin, closeRequest, getRequest, idOf, runBin } from "../helpers.ts";

const debugLines: string[] = [];
const log = { error() {}, warn() {}, info() {}, debug: (m: string) => debugLines.push(m) } as unknown as Logger;

it("sends the session report to a server given by an IPv6 literal URL (http://[::1]:port/)", async () => {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(201).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "::1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const report = sessionReport({ hits: 1, misses: 0, warmUsed: 0 } as StatsJson, {}, "go build", "/src/app", 1);
    await postSessionReport({ url: `http://[::1]:${port}/`, token: undefined, timeoutMs: 2000 }, report, log);
    expect({ received, debugLines }).toEqual({ received: 1, debugLines: [] });
  } finally {
    server.close();
  }
});

it("the remote tier reaches a server given by an IPv6 literal URL (http://[::1]:port/)", async () => {
  buildBin();
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "::1", resolve));
  const port = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(join(tmpdir(), "gocacheprog-v6-"));
  try {
    const done = await runBin(
      {
        GOCACHEPROG_DIR: join(dir, "cache"),
        GOCACHEPROG_URL: `http://[::1]:${port}/`,
        GOCACHEPROG_WARM_START: "0",
        GOCACHEPROG_LOG: "debug",
      },
      getRequest(1, idOf("v6")) + closeRequest(2),
    );
    expect(done.code).toBe(0);
    expect({ paths: paths.length > 0, stderr: done.stderr.split("\n").filter((l) => l.includes("ENOTFOUND")) }).toEqual({
      paths: true,
      stderr: [],
    });
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
