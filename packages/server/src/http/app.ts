import { Hono } from "hono";
import type { Principal, TokenAuth } from "../auth/tokens.ts";
import type { CacheCore } from "../cache/core.ts";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";
import { BackendUnavailableError, IntegrityError } from "../storage/errors.ts";
import { registerCacheRoutes } from "./routes.ts";

export interface AppDeps {
  core: CacheCore;
  auth: TokenAuth;
  metrics: ServerMetrics;
  logger: Logger;
  /** Largest accepted PUT body (413 above it, decided from Content-Length before reading). */
  maxBody: number;
}

export type AppEnv = { Variables: { principal: Principal; route: string } };

export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 411 | 413 | 415 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** The whole HTTP surface; main.ts only adds a listening socket. Tests drive it with app.request(). */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { auth, metrics, logger, core } = deps;
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const started = performance.now();
    c.set("route", "unmatched");
    await next();
    const route = c.get("route");
    metrics.httpRequests.inc({ route, method: c.req.method, status: String(c.res.status) });
    const line = { method: c.req.method, route, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) };
    if (c.res.status >= 500) logger.warn(line, "request failed");
    else logger.debug(line, "request");
  });

  app.use("/v1/*", async (c, next) => {
    // Never log the header itself: a wrong token is usually a real token for another server.
    const principal = auth.authenticate(c.req.header("authorization"));
    if (!principal) {
      c.header("www-authenticate", 'Bearer realm="gocacheprog"');
      throw new HttpError(401, "missing or unknown bearer token");
    }
    c.set("principal", principal);
    c.header("x-gocacheprog-scope", principal.scope);
    await next();
  });

  app.get("/healthz", (c) => {
    c.set("route", "/healthz");
    return c.json({ status: "ok" });
  });

  app.get("/readyz", async (c) => {
    c.set("route", "/readyz");
    try {
      await core.ready();
      return c.json({ status: "ready", blobStore: core.blobs.kind, index: core.index.kind });
    } catch (err) {
      return c.json({ error: `backends not ready: ${(err as Error).message}` }, 503);
    }
  });

  app.get("/metrics", async (c) => {
    c.set("route", "/metrics");
    return c.body(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType });
  });

  registerCacheRoutes(app, deps);

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.onError((err, c) => {
    const status =
      err instanceof HttpError ? err.status : err instanceof IntegrityError ? 400 : err instanceof BackendUnavailableError ? 503 : 500;
    if (status === 500) logger.error({ err, route: c.get("route") }, "unexpected error");
    else if (status === 503) logger.warn({ err: err.message, route: c.get("route") }, "backend unavailable");
    const message = status === 500 ? "internal error" : status === 503 ? `storage backend unavailable: ${err.message}` : err.message;
    // HEAD responses carry no body; the status says it all.
    return c.req.method === "HEAD" ? c.body(null, status) : c.json({ error: message }, status);
  });

  return app;
}
