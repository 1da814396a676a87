import type { Context, Hono } from "hono";
import { throttledLog } from "../../ops/log-throttle.ts";
import type { ServerMetrics } from "../../ops/metrics.ts";
import type { AppDeps, AppEnv } from "../types.ts";

/** How long one readiness check answers every /readyz (a kubelet probes every few seconds). */
const READY_REUSE_MS = 1000;

/** Liveness, readiness and Prometheus metrics: outside /v1, so they need no token. */
export function registerProbeRoutes(app: Hono<AppEnv>, { core, metrics, metricsRoute, logger }: AppDeps): void {
  // Probes are polled every few seconds during an outage: one line per 30 s says what is wrong.
  const logNotReady = throttledLog(logger, "warn", "readiness: backends not ready");
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  // Anyone may call /readyz and it is never shed: concurrent probes share one backend check, and a
  // good one answers for READY_REUSE_MS, so probes cannot turn into index and blob store calls one
  // for one. A failed check is not reused: the next probe sees the backends come back at once.
  let check: { startedAt: number; done: Promise<void> } | undefined;
  const ready = () => {
    if (!check || performance.now() - check.startedAt > READY_REUSE_MS) {
      const current = { startedAt: performance.now(), done: core.ready() };
      current.done.catch(() => {
        if (check === current) check = undefined;
      });
      check = current;
    }
    return check.done;
  };

  app.get("/readyz", async (c) => {
    try {
      await ready();
      // Still ready when full: reads are served as before, and taking the replica out would turn hits into misses.
      const storage = core.full.isFull ? { storage: "full: writes answered 507 until space returns" } : {};
      return c.json({ status: "ready", blobStore: core.blobs.kind, index: core.index.kind, ...storage });
    } catch (err) {
      // Anyone may call /readyz: the reason (often a backend's address) goes to the log, not the body.
      logNotReady({ err: (err as Error).message });
      return c.json({ error: "backends not ready (see the server log)" }, 503);
    }
  });

  if (metricsRoute !== false) app.get("/metrics", metricsHandler(metrics));
}

/** Prometheus text; on the cache port, or alone on --metrics-listen's (createMetricsApp). */
export function metricsHandler(metrics: ServerMetrics) {
  return async (c: Context) => c.body(await metrics.registry.metrics(), 200, { "content-type": metrics.registry.contentType });
}
