import type { Context, MiddlewareHandler } from "hono";
import type { TokenAuth } from "../auth/tokens.ts";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";

export interface AdmissionLimits {
  /** Requests in progress at once on this server; beyond it 503 + Retry-After. 0 = no limit. */
  maxInFlight: number;
  /** Requests in progress at once per token; beyond it 429 + Retry-After. 0 = no limit. */
  maxInFlightPerToken: number;
}

/** Liveness, readiness and metrics are never refused: a busy server must still say that it is alive. */
const PROBES = new Set(["/healthz", "/readyz", "/metrics"]);

const RETRY_AFTER_SECONDS = "1";

/**
 * Load shedding by counting, not queueing: a request beyond a limit is answered at once (no waiting
 * request holds memory or a backend call), so a flood costs the flooder and not the other clients.
 * A request counts from arrival until its response has been sent (the 'close' of Node's response,
 * so a slow reader of a large hit keeps its slot), which bounds the bodies held in memory.
 *
 * The per-token count keys on a token the server knows (unknown tokens share one key, so random
 * tokens cannot mint fresh budgets); with open access there is no identity, so only the server-wide
 * limit applies. Every route but the probes is covered, whatever module registers it.
 */
export function admissionControl(
  limits: AdmissionLimits,
  deps: { auth: TokenAuth; metrics: ServerMetrics; logger: Logger },
): MiddlewareHandler {
  let total = 0;
  const perToken = new Map<string, number>();
  const logShed = throttledLog(deps.logger, "warn", "shedding load: requests refused at the in-flight limit");

  const refuse = (c: Context, status: 429 | 503, reason: "server" | "token") => {
    deps.metrics.shed.inc({ reason });
    logShed({ reason, inFlight: total });
    c.header("retry-after", RETRY_AFTER_SECONDS);
    const error = reason === "server" ? "server busy: too many requests in progress" : "too many requests in progress for this token";
    return c.req.method === "HEAD" ? c.body(null, status) : c.json({ error }, status);
  };

  return async (c, next) => {
    if (PROBES.has(c.req.path)) return next();
    const key = tokenKey(deps.auth, c.req.header("authorization"));
    if (limits.maxInFlight > 0 && total >= limits.maxInFlight) return refuse(c, 503, "server");
    const mine = key === null ? 0 : (perToken.get(key) ?? 0);
    if (key !== null && limits.maxInFlightPerToken > 0 && mine >= limits.maxInFlightPerToken) return refuse(c, 429, "token");

    total++;
    if (key !== null) perToken.set(key, mine + 1);
    deps.metrics.inFlight.set(total);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      total--;
      deps.metrics.inFlight.set(total);
      if (key === null) return;
      const left = (perToken.get(key) ?? 1) - 1;
      if (left === 0) perToken.delete(key);
      else perToken.set(key, left);
    };
    const outgoing = nodeResponse(c);
    try {
      await next();
    } finally {
      // Under a real server the slot is held until the body is out; app.request() has no socket.
      if (outgoing && !outgoing.writableFinished && !outgoing.destroyed) outgoing.once("close", release);
      else release();
    }
  };
}

/** The token itself when the server knows it (never logged or exported), "?" for an unknown one, null with open access. */
function tokenKey(auth: TokenAuth, authorization: string | undefined): string | null {
  if (auth.openAccess) return null;
  return auth.authenticate(authorization) ? (authorization ?? "?") : "?";
}

type NodeResponse = { writableFinished: boolean; destroyed: boolean; once(event: "close", listener: () => void): unknown };

/** @hono/node-server puts Node's ServerResponse at c.env.outgoing. */
function nodeResponse(c: Context): NodeResponse | undefined {
  const env = c.env as { outgoing?: NodeResponse } | undefined;
  return env?.outgoing && typeof env.outgoing.once === "function" ? env.outgoing : undefined;
}
