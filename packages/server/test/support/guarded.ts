import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { Registry } from "prom-client";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { Admission, type AdmissionLimits } from "../../src/http/admission.ts";
import { guardedServerFactory } from "../../src/http/pipelining.ts";
import type { AppEnv } from "../../src/http/types.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { type LogCapture, TEAM_TOKENS } from "./fakes.ts";

/** The app on a loopback port behind main's guard (the pipelining limit, then admission with `limits`, TEAM_TOKENS). */
export async function serveGuarded(
  app: Hono<AppEnv>,
  limits: AdmissionLimits,
  logs: LogCapture,
): Promise<{ server: Server; url: string; port: number }> {
  const admission = new Admission(limits, {
    auth: new TokenAuth(parseTokens(TEAM_TOKENS, "t")),
    metrics: new ServerMetrics(new Registry()),
    logger: createLogger("warn", logs),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0, createServer: guardedServerFactory(admission) }, () =>
      resolve(s as Server),
    );
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, port };
}
