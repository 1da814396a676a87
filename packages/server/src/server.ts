import type { ServerOptions as HttpServerOptions, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { settlesWithin } from "@gocacheprog/common";
import { serve } from "@hono/node-server";
import { collectDefaultMetrics, Registry } from "prom-client";
import packageJson from "../package.json";
import { TokenReloader } from "./auth/reload.ts";
import { CacheCore } from "./cache/core.ts";
import { runGc } from "./cache/gc.ts";
import { scheduleGc } from "./cache/gc-schedule.ts";
import { createGomod, describeUpstreams } from "./gomod/wiring.ts";
import { Admission } from "./http/admission.ts";
import { createApp, createMetricsApp } from "./http/app.ts";
import { answerExpectContinue } from "./http/continue.ts";
import { closeConnectionsAfterAnswers } from "./http/drain.ts";
import { closeIdleConnections } from "./http/idle.ts";
import { guardedServerFactory } from "./http/pipelining.ts";
import { parseHostPort, parseListen, type ServerOptions } from "./ops/config.ts";
import type { Logger } from "./ops/logger.ts";
import { ServerMetrics } from "./ops/metrics.ts";
import { coreOptions, describeStorage, gcOptions, loadAuth, openStorage, readClaimRules, readTokenEntries } from "./ops/wiring.ts";
import { Activity } from "./status/activity.ts";
import { GcLog } from "./status/gc-log.ts";
import { registerUsageMetrics } from "./status/metrics.ts";
import { SessionLog } from "./status/sessions.ts";

export interface RunningServer {
  url: string;
  port: number;
  /** Where /metrics is served when --metrics-listen is set. */
  metricsUrl?: string;
  core: CacheCore;
  /** Reads the tokens and claim rules again (SIGHUP); true when the new ones are in force. */
  reloadTokens(): Promise<boolean>;
  /** Stops accepting, lets in-flight requests finish until --shutdown-timeout, then closes the backends. */
  close(): Promise<void>;
}

/** What `gocacheprog-server serve` runs; tests call it too, so they exercise the real wiring. */
export async function startServer(options: ServerOptions, logger: Logger): Promise<RunningServer> {
  const { auth, oidc } = await loadAuth(options, logger);
  const reloader = new TokenReloader({
    auth,
    oidc,
    readTokens: () => readTokenEntries(options),
    readRules: () => readClaimRules(options),
    files: [options.tokensFile, options.oidcRulesFile].filter((file): file is string => !!file),
    logger,
  });
  const { blobs, index } = await openStorage(options, logger);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new ServerMetrics(registry);
  const gcRuns = new GcLog();
  const gc =
    options.gcInterval > 0
      ? scheduleGc(
          (signal) => recordGc(gcRuns, () => runGc({ blobs, index, logger, metrics }, { ...gcOptions(options, auth.budgets), signal })),
          options.gcInterval,
          logger,
        )
      : null;
  // A write that leaves a budget exceeded starts the next gc pass early, so the disk does not fill between passes.
  const budget = gc ? { maxSizeBytes: options.maxSize, namespaces: auth.budgets, overBudget: () => gc.runSoon() } : undefined;
  const activity = new Activity();
  const core = new CacheCore({ blobs, index, metrics, logger, options: coreOptions(options), budget, observer: activity });
  registerUsageMetrics(registry, core.usage);
  const gomod = createGomod(options, { core, registry, logger });
  const sessions = new SessionLog();
  const status = {
    report: {
      core,
      activity,
      sessions,
      gcRuns,
      gomod: gomod.metrics,
      version: packageJson.version,
      startedAtMs: Date.now(),
      gcIntervalMs: options.gcInterval,
      timeoutMs: options.backendTimeout,
    },
    sessions,
    public: options.statusPublic,
  };
  const app = createApp({
    core,
    auth,
    metrics,
    logger,
    maxBody: options.maxBody,
    metricsRoute: !options.metricsListen,
    gomod,
    status,
  });
  // Every handler still running: one whose connection the deadline cut (an upload, its body failing)
  // removes what it began, a temp file or a multipart upload, through the backends, so those close after it.
  const handlers = new Set<Promise<unknown>>();
  const fetch: typeof app.fetch = (...args) => {
    const handled = Promise.resolve(app.fetch(...args));
    handlers.add(handled);
    const settled = () => void handlers.delete(handled);
    handled.then(settled, settled);
    return handled;
  };
  const limits = { maxInFlight: options.maxInFlight, maxInFlightPerToken: options.maxInFlightPerToken };
  const admission = new Admission(limits, { auth, metrics, logger });
  const { host, port } = parseListen(options.listen);
  const server = await listen(
    fetch,
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
  closeIdleConnections(server, options.idleTimeout);
  const startDrain = closeConnectionsAfterAnswers(server);
  answerExpectContinue(server, { auth, maxBody: options.maxBody, admission });
  const bound = (server.address() as AddressInfo).port;
  const metricsAt = options.metricsListen ? parseHostPort(options.metricsListen, "--metrics-listen") : null;
  const metricsServer = metricsAt ? await listen(createMetricsApp(metrics).fetch, metricsAt.host, metricsAt.port) : null;

  if (auth.openAccess) {
    logger.warn(
      { namespace: "default", listen: options.listen },
      "NO TOKENS CONFIGURED: anyone who can reach this server can read and write the cache (set --tokens-file)",
    );
  }
  reloader.start();
  logger.info(
    {
      listen: `${host}:${bound}`,
      tokenCount: auth.size,
      oidcIssuers: options.oidcIssuers || undefined,
      ...describeStorage(options),
      gomodUpstream: describeUpstreams(gomod.upstream.entries),
    },
    "gocacheprog-server listening",
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      logger.info({ deadlineMs: options.shutdownTimeout }, "shutting down: finishing in-flight requests");
      reloader.stop();
      startDrain();
      // A gc pass stops at its next step beside the drain rather than after it.
      const gcStopped = gc?.stop();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (!(await settlesWithin(drained, options.shutdownTimeout))) {
        logger.warn("shutdown deadline passed: cutting remaining connections");
        server.closeAllConnections();
        await drained;
      }
      // A cut handler's cleanup is a backend call or two (an S3 abort waits for the part in flight first).
      await settlesWithin(Promise.allSettled(handlers), 2 * options.backendTimeout + 1000);
      metricsServer?.closeAllConnections();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      await gcStopped;
      await gomod.close();
      await core.close();
      logger.info("shut down");
    })();
    return closing;
  };
  const urlOf = (h: string, p: number) => `http://${h.includes(":") ? `[${h}]` : h}:${p}`;
  const metricsUrl = metricsServer && metricsAt ? urlOf(metricsAt.host, (metricsServer.address() as AddressInfo).port) : undefined;
  const reloadTokens = () => reloader.reload("reload requested");
  return { url: urlOf(host, bound), port: bound, metricsUrl, core, reloadTokens, close };
}

/** Keeps each scheduled pass's report (or failure) for the status page. */
async function recordGc(log: GcLog, run: () => Promise<unknown>): Promise<unknown> {
  const startedAtMs = Date.now();
  try {
    const report = await run();
    log.add({ startedAtMs, durationMs: Date.now() - startedAtMs, report });
    return report;
  } catch (err) {
    log.add({ startedAtMs, durationMs: Date.now() - startedAtMs, error: (err as Error).message });
    throw err;
  }
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
