import { request as httpRequest } from "node:http";
import { basename } from "node:path";
import type { Logger } from "../ops/log.ts";
import type { StatsJson } from "../ops/stats.ts";
import { connectHost, nodeHttps } from "./exchange.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** The status page's longest wait is not worth more of go's time than this. */
const MAX_WAIT_MS = 2000;

/**
 * What this go command did, for the server's status page (POST /v1/sessions): the build key names
 * the project and the go command (`acme/app go test`), never its other arguments (they may hold
 * secrets). GOCACHEPROG_SESSION_KEY overrides the project part.
 */
export function sessionReport(stats: StatsJson, env: Env, goCommand: string | undefined, cwd: string, uptimeMs: number) {
  const project = env["GOCACHEPROG_SESSION_KEY"] || env["GITHUB_REPOSITORY"] || env["CI_PROJECT_PATH"] || basename(cwd) || "/";
  const buildKey = `${project} ${goCommand ?? "go"}`
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 200)
    .trim();
  return {
    buildKey,
    hits: stats.hits,
    misses: stats.misses,
    // Hits the warm-start prefetch stream had already put in the local tier.
    prefetchUsed: stats.warmUsed,
    durationMs: Math.round(uptimeMs),
  };
}

/**
 * Sends the report once the session's work is done. Best effort: a slow or refusing server costs at
 * most MAX_WAIT_MS (or the remote timeout, if shorter) and a debug line, never the build. node:http
 * (already loaded by the remote tier) rather than fetch, whose first use costs tens of milliseconds.
 */
export function postSessionReport(
  target: { url: string; token: string | undefined; timeoutMs: number },
  report: ReturnType<typeof sessionReport>,
  log: Logger,
): Promise<void> {
  const base = new URL(target.url);
  const body = JSON.stringify(report);
  const send = base.protocol === "https:" ? nodeHttps().request : httpRequest;
  return new Promise<void>((resolve) => {
    const req = send(
      {
        protocol: base.protocol,
        hostname: connectHost(base),
        port: base.port,
        method: "POST",
        path: `${base.pathname.replace(/\/+$/, "")}/v1/sessions`,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        },
      },
      (res) => {
        if (res.statusCode !== 201) log.debug(`session report: HTTP ${res.statusCode}`);
        res.resume();
        res.on("end", done);
        res.on("error", done);
        res.on("close", done);
      },
    );
    // The whole exchange is bounded, whatever the server does.
    const timer = setTimeout(() => req.destroy(new Error("timed out")), Math.min(target.timeoutMs, MAX_WAIT_MS));
    function done() {
      clearTimeout(timer);
      resolve();
    }
    req.on("error", (err) => {
      log.debug(`session report not sent: ${err.message}`);
      done();
    });
    req.end(body);
  });
}
