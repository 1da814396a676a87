import type { TokenAuth } from "../auth/tokens.ts";
import { authenticate, presentedToken } from "../gomod/routes.ts";
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

export const RETRY_AFTER_SECONDS = 1;

export type Admitted = { admitted: true; release(): void };
export type Refused = { admitted: false; status: 429 | 503; error: string };

/**
 * Load shedding by counting, not queueing: a request beyond a limit is answered at once (no waiting
 * request holds memory or a backend call), so a flood costs the flooder and not the other clients.
 * The caller holds a slot from arrival until its response is over and the app is done with it (a
 * slow reader of a large hit keeps it; a client that hangs up frees it only once its lookup ends,
 * http/pipelining.ts), which also bounds the bodies held in memory.
 *
 * It runs in front of the app (http/pipelining.ts wires it into Node's request listener): refusing
 * there costs microseconds, while a refusal through the app costs building a Request, routing and
 * middleware, and under a flood that cost alone delayed every other client by seconds. Every path
 * but the probes is covered, whatever module registers its routes.
 *
 * The per-token count keys on a token the server knows (unknown tokens share one key, so random
 * tokens cannot mint fresh budgets); with open access there is no identity, so only the server-wide
 * limit applies.
 */
export class Admission {
  private total = 0;
  private readonly perToken = new Map<string, number>();
  private readonly logShed: (fields: Record<string, unknown>) => void;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly deps: { auth: TokenAuth; metrics: ServerMetrics; logger: Logger },
  ) {
    this.logShed = throttledLog(deps.logger, "warn", "shedding load: requests refused at the in-flight limit");
  }

  admit(path: string, authorization: string | undefined): Admitted | Refused {
    if (PROBES.has(path)) return { admitted: true, release: () => {} };
    const checked = this.check(authorization);
    if ("admitted" in checked) return checked;
    const { key, mine } = checked;

    this.total++;
    if (key !== null) this.perToken.set(key, mine + 1);
    this.deps.metrics.inFlight.set(this.total);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.total--;
      this.deps.metrics.inFlight.set(this.total);
      if (key === null) return;
      const left = (this.perToken.get(key) ?? 1) - 1;
      if (left === 0) this.perToken.delete(key);
      else this.perToken.set(key, left);
    };
    return { admitted: true, release };
  }

  /**
   * The refusal admit() would answer now, counted as shed like one, without taking a slot: for a
   * request that asks before it sends its body (http/continue.ts), which admit() sees only after.
   */
  wouldRefuse(path: string, authorization: string | undefined): Refused | null {
    if (PROBES.has(path)) return null;
    const checked = this.check(authorization);
    return "admitted" in checked ? checked : null;
  }

  /** The server-wide limit first: under a flood it refuses before the token is even looked at. */
  private check(authorization: string | undefined): Refused | { key: string | null; mine: number } {
    const { maxInFlight, maxInFlightPerToken } = this.limits;
    if (maxInFlight > 0 && this.total >= maxInFlight) return this.refuse(503, "server");
    const key = this.tokenKey(authorization);
    const mine = key === null ? 0 : (this.perToken.get(key) ?? 0);
    if (key !== null && maxInFlightPerToken > 0 && mine >= maxInFlightPerToken) return this.refuse(429, "token");
    return { key, mine };
  }

  private refuse(status: 429 | 503, reason: "server" | "token"): Refused {
    this.deps.metrics.shed.inc({ reason });
    this.logShed({ reason, inFlight: this.total });
    const error = reason === "server" ? "server busy: too many requests in progress" : "too many requests in progress for this token";
    return { admitted: false, status, error };
  }

  /**
   * The token itself when the server knows it (never logged or exported), "?" for an unknown one, null
   * with open access. Bearer or Basic (the module proxy's way: the token is the password) count alike.
   */
  private tokenKey(authorization: string | undefined): string | null {
    if (this.deps.auth.openAccess) return null;
    if (!authenticate(this.deps.auth, authorization)) return "?";
    // The token, not the header: "bearer  tok" and "Bearer tok" must share one budget.
    return presentedToken(authorization) ?? "?";
  }
}
