import type { ErrorHandler } from "hono";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import { BackendUnavailableError, IntegrityError, isStorageFull } from "../storage/errors.ts";
import { routeLabel } from "./observe.ts";

/** A refusal with its status; the message goes to the client as {"error": message}. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 411 | 413 | 415 | 503,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every error becomes a JSON answer: HttpError keeps its status, a body that does not match its
 * OutputID is 400, unavailable storage is 503, anything else 500 (logged with its stack, and its
 * message withheld from the client).
 */
export function errorHandler(logger: Logger): ErrorHandler {
  // An outage fails every request: one line per 30 s with the reason, not one per request.
  const logUnavailable = throttledLog(logger, "warn", "backend unavailable");
  // A request that hits a bug may be repeated by anyone (an unauthenticated route too): once per 30 s.
  const logUnexpected = throttledLog(logger, "error", "unexpected error");
  return (err, c) => {
    if (isStorageFull(err)) {
      // Already logged (once per interval) by the core, which also flags it for /readyz.
      return c.req.method === "HEAD"
        ? c.body(null, 507)
        : c.json({ error: "insufficient storage: the cache is full, try again later" }, 507);
    }
    const status =
      err instanceof HttpError ? err.status : err instanceof IntegrityError ? 400 : err instanceof BackendUnavailableError ? 503 : 500;
    if (status === 500) logUnexpected({ err, route: routeLabel(c) });
    else if (status === 503 && !(err instanceof HttpError)) logUnavailable({ err: err.message, route: routeLabel(c) });
    // The backend's own message names hosts and ports: it goes to the log, never to the caller.
    const message =
      status === 500 ? "internal error" : status === 503 && !(err instanceof HttpError) ? "storage backend unavailable" : err.message;
    // HEAD responses carry no body; the status says it all.
    return c.req.method === "HEAD" ? c.body(null, status) : c.json({ error: message }, status);
  };
}
