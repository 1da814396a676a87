import type { ServerOptions as HttpServerOptions, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { settlesWithin } from "@gocacheprog/common";
import { serve } from "@hono/node-server";
import { Registry } from "prom-client";
import { CacheCore } from "./cache/core.ts";
import { runGc, scheduleGc } from "./cache/gc.ts";
import { createGomod, describeUpstreams } from "./gomod/wiring.ts";
import { Admission } from "./http/admission.ts";
import { createApp, createMetricsApp } from "./http/app.ts";
import { answerExpectContinue } from "./http/continue.ts";
import { guardedServerFactory } from "./http/pipelining.ts";
import { parseHostPort, parseListen, type ServerOptions } from "./ops/config.ts";
import type { Logger } from "./ops/logger.ts";
import { ServerMetrics } from "./ops/metrics.ts";
import { coreOptions, describeStorage, gcOptions, loadAuth, openStorage } from "./ops/wiring.ts";

export interface RunningServer {
  url: string;
  port: number;
  /** Where /metrics is served when --metrics-listen is set. */
  metricsUrl?: string;
  core: CacheCore;
  /** Stops accepting, lets in-flight requests finish until --shutdown-timeout, then closes the backends. */
  close(): Promise<void>;
}

/** What `gocacheprog-server serve` runs; tests call it too, so they exercise the real wiring. */
export async function startServer(options: ServerOptions, logger: Logger): Promise<RunningServer> {
  const auth = await loadAuth(options);
  const { blobs, index } = await openStorage(options, logger);
  const registry = new Registry();
  const metrics = new ServerMetrics(registry);
  const gc =
    options.gcInterval > 0
      ? scheduleGc(() => runGc({ blobs, index, logger, metrics }, gcOptions(options, auth.budgets)), options.gcInterval, logger)
      : null;
  // A write that leaves a budget exceeded starts the next gc pass early, so the disk does not fill between passes.
  const budget = gc ? { maxSizeBytes: options.maxSize, namespaces: auth.budgets, overBudget: () => gc.runSoon() } : undefined;
  const core = new CacheCore({ blobs, index, metrics, logger, options: coreOptions(options), budget });
  const gomod = createGomod(options, { core, registry, logger });
  const app = createApp({ core, auth, metrics, logger, maxBody: options.maxBody, metricsRoute: !options.metricsListen, gomod });
  const limits = { maxInFlight: options.maxInFlight, maxInFlightPerToken: options.maxInFlightPerToken };
  const admission = new Admission(limits, { auth, metrics, logger });
  const { host, port } = parseListen(options.listen);
  const server = await listen(
    app.fetch,
    host,
    port,
    {
      requestTimeout: options.requestTimeout,
      headersTimeout: options.headersTimeout,
      // Node checks both timeouts on this interval (30 s by default), so a short timeout would be late by up to that much.
      connectionsCheckingInterval: Math.min(
        30_000,
        Math.max(250, Math.min(options.headersTimeout || 30_000, options.requestTimeout || 30_000) / 4),
      ),
    },
    admission,
  );
  answerExpectContinue(server, auth, options.maxBody);
  const bound = (server.address() as AddressInfo).port;
  const metricsAt = options.metricsListen ? parseHostPort(options.metricsListen, "--metrics-listen") : null;
  const metricsServer = metricsAt ? await listen(createMetricsApp(metrics).fetch, metricsAt.host, metricsAt.port) : null;

  if (auth.openAccess) {
    logger.warn(
      { namespace: "default", listen: options.listen },
      "NO TOKENS CONFIGURED: anyone who can reach this server can read and write the cache (set --tokens-file)",
    );
  }
  logger.info(
    {
      listen: `${host}:${bound}`,
      tokenCount: auth.size,
      ...describeStorage(options),
      gomodUpstream: describeUpstreams(gomod.upstream.entries),
    },
    "gocacheprog-server listening",
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      logger.info({ deadlineMs: options.shutdownTimeout }, "shutting down: finishing in-flight requests");
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (!(await settlesWithin(drained, options.shutdownTimeout))) {
        logger.warn("shutdown deadline passed: cutting remaining connections");
        server.closeAllConnections();
        await drained;
      }
      metricsServer?.closeAllConnections();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      await gc?.stop();
      await gomod.close();
      await core.close();
      logger.info("shut down");
    })();
    return closing;
  };
  const urlOf = (h: string, p: number) => `http://${h.includes(":") ? `[${h}]` : h}:${p}`;
  const metricsUrl = metricsServer && metricsAt ? urlOf(metricsAt.host, (metricsServer.address() as AddressInfo).port) : undefined;
  return { url: urlOf(host, bound), port: bound, metricsUrl, core, close };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
  serverOptions: HttpServerOptions = {},
  admission?: Admission,
): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch, hostname, port, serverOptions, createServer: guardedServerFactory(admission) }, () => resolve(s as Server));
    s.once("error", reject);
  });
}
