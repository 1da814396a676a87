import { Hono } from "hono";
import { registerGomodRoutes } from "../gomod/routes.ts";
import { bearerAuth } from "./auth.ts";
import { errorHandler } from "./errors.ts";
import { observeRequests } from "./observe.ts";
import { registerActionRoutes } from "./routes/actions.ts";
import { registerBatchRoutes } from "./routes/batch.ts";
import { registerOutputRoutes } from "./routes/outputs.ts";
import { metricsHandler, registerProbeRoutes } from "./routes/probes.ts";
import { registerSessionRoutes, registerStatusRoutes } from "./routes/status.ts";
import { registerWarmRoutes } from "./routes/warm.ts";
import type { AppDeps, AppEnv } from "./types.ts";

/** The whole HTTP surface; server.ts only adds a listening socket. Tests drive it with app.request(). */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", observeRequests(deps.metrics, deps.logger));
  // Before the /v1 bearer middleware: the status routes decide access themselves (--status-public).
  if (deps.status) registerStatusRoutes(app, deps.auth, deps.status);
  app.use("/v1/*", bearerAuth(deps.auth));
  if (deps.status) registerSessionRoutes(app, deps.status);

  registerProbeRoutes(app, deps);
  registerActionRoutes(app, deps);
  registerOutputRoutes(app, deps);
  registerBatchRoutes(app, deps);
  registerWarmRoutes(app, deps);
  if (deps.gomod) registerGomodRoutes(app, { auth: deps.auth, logger: deps.logger, gomod: deps.gomod });

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(errorHandler(deps.logger));
  return app;
}

/** GET /metrics alone, for --metrics-listen: Prometheus scrapes a port that cache clients never need. */
export function createMetricsApp(metrics: AppDeps["metrics"]): Hono {
  const app = new Hono();
  app.get("/metrics", metricsHandler(metrics));
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
