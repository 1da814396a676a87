import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";

/**
 * The route pattern of the endpoint hono matched ("/v1/actions/:id"), never the raw path, so metric
 * label values stay few. Middleware (registered with use(), method "ALL") does not count, so a
 * request no endpoint matched is "unmatched" even when a middleware ran for it.
 */
export function routeLabel(c: Context): string {
  const matched = matchedRoutes(c);
  for (let i = matched.length - 1; i >= 0; i--) {
    const route = matched[i]!;
    if (route.method !== "ALL") return route.path;
  }
  return "unmatched";
}

/** Counts and logs every request by its matched route; failures (5xx) at warn, the rest at debug. */
export function observeRequests(metrics: ServerMetrics, logger: Logger): MiddlewareHandler {
  // Under a flood or an outage every request may fail: the metric counts each, the log samples them.
  const logFailed = throttledLog(logger, "warn", "request failed", 10_000);
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = routeLabel(c);
    const ms = performance.now() - started;
    metrics.httpRequests.inc({ route, method: c.req.method, status: String(c.res.status) });
    metrics.httpSeconds.observe({ route, method: c.req.method }, ms / 1000);
    const line = { method: c.req.method, route, path: c.req.path, status: c.res.status, ms: Math.round(ms) };
    if (c.res.status >= 500) logFailed(line);
    else logger.debug(line, "request");
  };
}
