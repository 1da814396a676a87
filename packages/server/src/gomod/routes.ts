import type { Context, Hono } from "hono";
import { bearerToken, type Principal, type TokenAuth } from "../auth/tokens.ts";
import type { OutputBody } from "../cache/outputs.ts";
import type { AppEnv } from "../http/types.ts";
import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import { BackendUnavailableError } from "../storage/errors.ts";
import type { GomodMetrics } from "./metrics.ts";
import { InvalidModuleError } from "./paths.ts";
import { type FileKind, type PurgeRequest, parseProxyPath, parsePurgePath } from "./request.ts";
import type { GomodStore } from "./store.ts";
import { HOP_HEADER, UpstreamError } from "./upstream.ts";

export const GOMOD_PREFIX = "/gomod";
const MAX_HOPS = 4;

export interface GomodRouteDeps {
  auth: TokenAuth;
  logger: Logger;
  gomod: { anonymous: boolean; store: GomodStore; metrics: GomodMetrics };
}

/** --gomod-anonymous: module files are readable by anyone who reaches the server; nothing is writable here. */
const ANONYMOUS: Principal = { scope: "read", namespace: "default" };

const CONTENT_TYPES: Record<FileKind, string> = {
  list: "text/plain; charset=utf-8",
  mod: "text/plain; charset=utf-8",
  latest: "application/json",
  info: "application/json",
  query: "application/json",
  zip: "application/zip",
  "sumdb-supported": "text/plain; charset=utf-8",
  "sumdb-latest": "text/plain; charset=utf-8",
  "sumdb-lookup": "text/plain; charset=utf-8",
  "sumdb-tile": "application/octet-stream",
};

/**
 * The GOPROXY protocol under /gomod (GOPROXY=http://host:8080/gomod), checksum database included
 * (/gomod/sumdb/<name>/...). Errors are text/plain: that is the only body go prints after
 * "server response:". 404 and 410 keep go's meaning: go moves on to the next entry of its GOPROXY.
 * DELETE <module>/@v/<version> is an admin's purge of one version (GomodStore.purge).
 */
export function registerGomodRoutes(app: Hono<AppEnv>, deps: GomodRouteDeps): void {
  const { auth, logger } = deps;
  const { store, metrics } = deps.gomod;
  const logUnavailable = throttledLog(logger, "warn", "module proxy: storage backend unavailable");
  // /gomod may be anonymous: a failing upstream or a bug must not put one line per request in the log.
  const logUpstreamFailed = throttledLog(logger, "warn", "module proxy upstream failed");
  const logUnexpected = throttledLog(logger, "error", "unexpected module proxy error");

  app.use(`${GOMOD_PREFIX}/*`, async (c, next) => {
    const authorization = c.req.header("authorization");
    const principal = authorization === undefined && deps.gomod.anonymous ? ANONYMOUS : await verifyCredentials(auth, authorization);
    if (!principal) {
      c.header("www-authenticate", 'Basic realm="gocacheprog"');
      return text(
        c,
        401,
        "missing or unknown token: give go the token as the password in GOPROXY (https://user:TOKEN@host/gomod), in .netrc or through GOAUTH (go sends credentials over HTTPS only)",
      );
    }
    c.set("principal", principal);
    await next();
  });

  app.get(`${GOMOD_PREFIX}/*`, async (c) => {
    // A negative count would stretch a loop past MAX_HOPS.
    const hops = Math.max(0, Math.trunc(Number(c.req.header(HOP_HEADER) ?? 0)) || 0);
    if (hops >= MAX_HOPS) return text(c, 508, `the request passed ${hops} module proxies: --gomod-upstream leads back here`);
    const rest = new URL(c.req.url).pathname.slice(GOMOD_PREFIX.length + 1);
    let request: ReturnType<typeof parseProxyPath>;
    try {
      request = parseProxyPath(rest);
    } catch (err) {
      if (!(err instanceof InvalidModuleError)) throw err;
      metrics.requests.inc({ kind: "invalid", result: "bad-request" });
      return text(c, 400, err.message);
    }
    const kind = request.kind;
    try {
      const answer = await store.answer(request, hops);
      metrics.requests.inc({ kind, result: answer.found ? answer.result : "not-found" });
      if (!answer.found) return text(c, answer.status, answer.message);
      return send(c, kind, answer.body, answer.size);
    } catch (err) {
      metrics.requests.inc({ kind, result: "error" });
      if (err instanceof UpstreamError) {
        logUpstreamFailed({ kind, outcome: err.outcome, upstream: err.upstream, err: err.message, detail: err.detail });
        return text(c, err.status, err.message);
      }
      // /gomod may be anonymous: the backend's message (hosts, ports) goes to the log only.
      if (err instanceof BackendUnavailableError) {
        logUnavailable({ kind, err: err.message });
        return text(c, 503, "storage backend unavailable");
      }
      logUnexpected({ err, kind });
      return text(c, 500, "internal error");
    }
  });

  app.delete(`${GOMOD_PREFIX}/*`, async (c) => {
    // Admin only, like the status page's view of every namespace; and like it, a server without tokens
    // (the operator's own, on loopback by default) lets anyone who reaches it, as it lets them write.
    // --gomod-anonymous opens reading alone: its principal is never an admin.
    if (!auth.openAccess && !c.get("principal").admin) return text(c, 403, "purging module files needs an admin token");
    let purge: PurgeRequest;
    try {
      purge = parsePurgePath(new URL(c.req.url).pathname.slice(GOMOD_PREFIX.length + 1));
    } catch (err) {
      if (!(err instanceof InvalidModuleError)) throw err;
      return text(c, 400, err.message);
    }
    const { path, version } = purge.module;
    try {
      const removed = await store.purge(purge);
      if (removed.length === 0) return text(c, 404, `${path}@${version}: nothing of this version or module is stored here`);
      logger.info({ module: path, version, removed }, "module proxy: module version purged");
      return c.body(null, 204);
    } catch (err) {
      if (err instanceof BackendUnavailableError) {
        logUnavailable({ kind: "purge", err: err.message });
        return text(c, 503, "storage backend unavailable: the purge may be partial, send it again");
      }
      logUnexpected({ err, kind: "purge" });
      return text(c, 500, "internal error");
    }
  });

  function send(c: Context<AppEnv>, kind: FileKind, body: OutputBody, size: number): Response {
    const head = { "content-type": CONTENT_TYPES[kind], "content-length": String(size) };
    if (c.req.method === "HEAD") {
      if (!Buffer.isBuffer(body)) body.destroy?.();
      return c.body(null, 200, head);
    }
    if (Buffer.isBuffer(body)) {
      metrics.bytes.inc({ kind, direction: "out" }, body.byteLength);
      return c.body(new Uint8Array(body.buffer, body.byteOffset, body.byteLength) as Uint8Array<ArrayBuffer>, 200, head);
    }
    const counted = async function* () {
      for await (const chunk of body) {
        metrics.bytes.inc({ kind, direction: "out" }, chunk.byteLength);
        yield chunk;
      }
    };
    return c.body(ReadableStream.from(counted()) as ReadableStream<Uint8Array>, 200, head);
  }
}

function text(c: Context<AppEnv>, status: 400 | 401 | 403 | 404 | 410 | 500 | 502 | 503 | 504 | 508, message: string): Response {
  if (c.req.method === "HEAD") return c.body(null, status);
  return c.body(`${message}\n`, status, { "content-type": "text/plain; charset=utf-8" });
}

/**
 * go cannot send a bearer token to a GOPROXY, only Basic credentials (URL userinfo, .netrc, GOAUTH),
 * so the token is accepted as the password of any user name, and as a bearer token (GOAUTH headers).
 */
export function authenticate(auth: TokenAuth, authorization: string | undefined): Principal | null {
  return auth.authenticate(asBearer(authorization));
}

/** authenticate() plus OIDC tokens not verified yet (auth.verify): what the /gomod routes call. */
export function verifyCredentials(auth: TokenAuth, authorization: string | undefined): Promise<Principal | null> {
  return auth.verify(asBearer(authorization));
}

/**
 * The token a request presents, however its header is spelled (Bearer or Basic with any user name,
 * any case and spacing); undefined when it presents none. Admission keys its per-token budget on it.
 */
export function presentedToken(authorization: string | undefined): string | undefined {
  return bearerToken(asBearer(authorization));
}

function asBearer(authorization: string | undefined): string | undefined {
  const basic = /^Basic +([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization ?? "");
  if (!basic) return authorization;
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  return `Bearer ${decoded.slice(decoded.indexOf(":") + 1)}`;
}
