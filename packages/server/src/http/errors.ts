import type { ErrorHandler } from "hono";
import type { Logger } from "../ops/logger.ts";
import { BackendUnavailableError, IntegrityError } from "../storage/errors.ts";
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
  return (err, c) => {
    const status =
      err instanceof HttpError ? err.status : err instanceof IntegrityError ? 400 : err instanceof BackendUnavailableError ? 503 : 500;
    if (status === 500) logger.error({ err, route: routeLabel(c) }, "unexpected error");
    else if (status === 503) logger.warn({ err: err.message, route: routeLabel(c) }, "backend unavailable");
    const message = status === 500 ? "internal error" : status === 503 ? `storage backend unavailable: ${err.message}` : err.message;
    // HEAD responses carry no body; the status says it all.
    return c.req.method === "HEAD" ? c.body(null, status) : c.json({ error: message }, status);
  };
}
