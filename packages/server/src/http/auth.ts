import type { MiddlewareHandler } from "hono";
import type { TokenAuth } from "../auth/tokens.ts";
import { HttpError } from "./errors.ts";
import type { AppEnv } from "./types.ts";

/** Sets the caller's principal (scope and namespace) from its bearer token, or answers 401. */
export function bearerAuth(auth: TokenAuth): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Never log the header itself: a wrong token is usually a real token for another server.
    const principal = await auth.verify(c.req.header("authorization"));
    if (!principal) {
      c.header("www-authenticate", 'Bearer realm="gocacheprog"');
      throw new HttpError(401, "missing or unknown bearer token");
    }
    c.set("principal", principal);
    c.header("x-gocacheprog-scope", principal.scope);
    await next();
  };
}
