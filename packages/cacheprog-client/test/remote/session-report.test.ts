import { createServer, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../../src/ops/log.ts";
import type { StatsJson } from "../../src/ops/stats.ts";
import { postSessionReport, sessionReport } from "../../src/remote/session-report.ts";
import { listenOnLoopback, stopServer } from "../helpers.ts";

const silent = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
const stats = { hits: 40, misses: 2, warmUsed: 30 } as StatsJson;

const received: { req: IncomingMessage; body: string }[] = [];
let hang = false;
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  req.on("end", () => {
    received.push({ req, body });
    if (!hang) res.writeHead(201).end("{}");
  });
});
let url = "";
beforeAll(async () => {
  url = `${await listenOnLoopback(server)}/cache/`;
});
afterAll(async () => {
  await stopServer(server);
});

describe("the session report (POST /v1/sessions)", () => {
  it("names the project and the go command only, printable and bounded", () => {
    expect(sessionReport(stats, { GITHUB_REPOSITORY: "acme/app" }, "go test", "/src/app", 1234.4)).toEqual({
      buildKey: "acme/app go test",
      hits: 40,
      misses: 2,
      prefetchUsed: 30,
      durationMs: 1234,
    });
    expect(sessionReport(stats, { GOCACHEPROG_SESSION_KEY: "mine", GITHUB_REPOSITORY: "acme/app" }, undefined, "/x", 1).buildKey).toBe(
      "mine go",
    );
    expect(sessionReport(stats, {}, "go build", "/work/projekt-ü", 1).buildKey).toBe("projekt-? go build");
    expect(sessionReport(stats, { GOCACHEPROG_SESSION_KEY: "k".repeat(500) }, "go build", "/", 1).buildKey).toHaveLength(200);
  });

  it("posts JSON with the bearer token under the URL's path; a server that never answers costs a bounded wait", async () => {
    const report = sessionReport(stats, {}, "go build", "/src/app", 10);
    await postSessionReport({ url, token: "tok-123", timeoutMs: 5000 }, report, silent);
    const last = received.at(-1);
    expect(last?.req.url).toBe("/cache/v1/sessions");
    expect(last?.req.headers.authorization).toBe("Bearer tok-123");
    expect(JSON.parse(last?.body ?? "")).toEqual(report);

    hang = true;
    await postSessionReport({ url, token: undefined, timeoutMs: 200 }, report, silent);
    await postSessionReport({ url: "http://127.0.0.1:1/", token: undefined, timeoutMs: 200 }, report, silent);
  });
});
