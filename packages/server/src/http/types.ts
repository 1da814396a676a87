import type { HttpBindings } from "@hono/node-server";
import type { Principal, TokenAuth } from "../auth/tokens.ts";
import type { CacheCore } from "../cache/core.ts";
import type { Gomod } from "../gomod/wiring.ts";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";
import type { StatusAppDeps } from "../status/report.ts";

/** Everything the HTTP surface needs; main.ts and server.ts build it, tests pass fakes behind it. */
export interface AppDeps {
  core: CacheCore;
  auth: TokenAuth;
  metrics: ServerMetrics;
  logger: Logger;
  /** Largest accepted PUT body (413 above it, decided from Content-Length before reading). */
  maxBody: number;
  /** false when --metrics-listen serves /metrics on its own port (createMetricsApp). */
  metricsRoute?: boolean;
  /** The module proxy under /gomod; absent = no /gomod routes. */
  gomod?: Gomod;
  /** The status page (/), its JSON twin (/v1/status) and session reports; absent = none of them. */
  status?: StatusAppDeps;
}

/**
 * Variables: set by the auth middleware for every /v1 request. Bindings: Node's request and
 * response under @hono/node-server; absent when tests drive the app with app.request().
 */
export type AppEnv = { Variables: { principal: Principal }; Bindings: Partial<HttpBindings> | undefined };
