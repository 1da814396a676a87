import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import * as z from "zod/mini";
import type { Principal, TokenAuth } from "../../auth/tokens.ts";
import { PAGE_CSP, signInPage, statusPage } from "../../status/page.ts";
import { buildStatus, type StatusAppDeps, type Viewer } from "../../status/report.ts";
import { sessionReportSchema } from "../../status/sessions.ts";
import { HttpError } from "../errors.ts";
import type { AppEnv } from "../types.ts";

const COOKIE = "gocacheprog_session";
const COOKIE_MAX_AGE_S = 12 * 3600;
/** A form with one token field, a session report: small. Bigger bodies are refused before reading. */
const SMALL_BODY_MAX = 8 * 1024;

/**
 * GET / (the page), POST /signin and /signout (the cookie), GET /v1/status (the JSON twin). Registered
 * ahead of the /v1 bearer middleware because they decide access themselves: with --status-public no
 * token is needed. The page reads the token from an HttpOnly, SameSite=Strict cookie that only the
 * sign-in form sets; the JSON twin reads the Authorization header only, so no cookie ever drives the API.
 */
export function registerStatusRoutes(app: Hono<AppEnv>, auth: TokenAuth, deps: StatusAppDeps): void {
  const viewerOf = async (authorization: string | undefined): Promise<Viewer | null> => {
    if (deps.public) return { all: true, how: "public" };
    if (auth.openAccess) return { all: true, how: "open" };
    return toViewer(await auth.verify(authorization));
  };

  app.get("/", async (c) => {
    pageHeaders(c);
    const header = c.req.header("authorization");
    const cookie = getCookie(c, COOKIE);
    // A Bearer header is a token meant for us; any other (a Basic-auth proxy in front, which the
    // browser repeats on every request) gives way to the sign-in cookie, or the page could never be signed into.
    const bearer = header !== undefined && /^bearer\s/i.test(header) ? header : undefined;
    const viewer = await viewerOf(bearer ?? (cookie ? `Bearer ${cookie}` : header));
    if (!viewer) {
      if (cookie) deleteCookie(c, COOKIE, { path: "/" });
      if (bearer) return c.html(await signInPage("That token is not valid here."), 401);
      return c.html(await signInPage(cookie ? "Your sign-in has expired or the token was removed; sign in again." : undefined));
    }
    const report = await buildStatus(deps.report, viewer);
    return c.html(await statusPage(report, cookie !== undefined && !deps.public));
  });

  app.post("/signin", async (c) => {
    pageHeaders(c);
    sameOrigin(c);
    smallBody(c);
    const form = await c.req.parseBody().catch(() => {
      throw new HttpError(400, "expected the sign-in form (token=...)");
    });
    const token = typeof form["token"] === "string" ? form["token"].trim() : "";
    const principal = token === "" ? null : await auth.verify(`Bearer ${token}`);
    if (!principal || auth.openAccess) return c.html(await signInPage("That token is not valid here."), 401);
    setCookie(c, COOKIE, token, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isHttps(c),
      maxAge: COOKIE_MAX_AGE_S,
    });
    return c.redirect("/", 303);
  });

  app.post("/signout", (c) => {
    pageHeaders(c);
    sameOrigin(c);
    deleteCookie(c, COOKIE, { path: "/", secure: isHttps(c) });
    return c.redirect("/", 303);
  });

  app.get("/v1/status", async (c) => {
    c.header("cache-control", "no-store");
    const viewer = await viewerOf(c.req.header("authorization"));
    if (!viewer) {
      c.header("www-authenticate", 'Bearer realm="gocacheprog"');
      throw new HttpError(401, "missing or unknown bearer token");
    }
    return c.json(await buildStatus(deps.report, viewer));
  });
}

/** POST /v1/sessions, behind the /v1 bearer middleware: any token may report on its own namespace. */
export function registerSessionRoutes(app: Hono<AppEnv>, deps: StatusAppDeps): void {
  app.post("/v1/sessions", async (c) => {
    smallBody(c);
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch {
      throw new HttpError(400, "the session report must be JSON");
    }
    const parsed = z.safeParse(sessionReportSchema, raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpError(400, `invalid session report: ${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
    }
    deps.sessions.add(c.get("principal").namespace, parsed.data);
    return c.json({ result: "recorded" }, 201);
  });
}

function toViewer(principal: Principal | null): Viewer | null {
  if (!principal) return null;
  return principal.admin ? { all: true, how: "admin" } : { all: false, namespace: principal.namespace };
}

function pageHeaders(c: Context): void {
  c.header("content-security-policy", PAGE_CSP);
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  c.header("x-content-type-options", "nosniff");
}

/**
 * Sign-in and sign-out only from the page itself: a form on another site could sign a visitor in with
 * its own token (the page would then show that token's namespace) or out. Browsers say where a request
 * comes from in Sec-Fetch-Site; other clients send none and are not refused.
 */
function sameOrigin(c: Context): void {
  const site = c.req.header("sec-fetch-site");
  if (site === "cross-site" || site === "same-site") throw new HttpError(403, "sign in from the status page itself");
}

function smallBody(c: Context): void {
  const length = c.req.header("content-length");
  if (length === undefined) throw new HttpError(411, "Content-Length is required");
  if (!/^\d{1,9}$/.test(length) || Number(length) > SMALL_BODY_MAX) {
    throw new HttpError(413, `body larger than ${SMALL_BODY_MAX} bytes`);
  }
}

/** Behind a TLS-terminating ingress the request arrives as http; the proxy says what the browser used. */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}
