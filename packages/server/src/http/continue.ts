import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { TokenAuth } from "../auth/tokens.ts";

/**
 * `Expect: 100-continue` lets a client ask before sending a body. Node answers `100 Continue` by
 * itself unless the server listens for 'checkContinue', and that would invite a 1 GiB upload only to
 * refuse it with 401 afterwards. So the refusals that need no body (unknown token, read-only token,
 * Content-Length over --max-body) are made here, before a byte of body is read; everything else gets
 * its `100 Continue` and goes through the app as usual (which checks again, so nothing is skipped).
 */
export async function refuseBeforeContinue(
  auth: TokenAuth,
  maxBody: number,
  request: { method?: string; url?: string; headers: IncomingMessage["headers"] },
): Promise<{ status: 401 | 403 | 413; error: string } | null> {
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  // Only /v1 takes bodies; /gomod and the probes are read-only (their routes answer a body with 404/405).
  if (!path.startsWith("/v1/")) return null;
  // verify(), not authenticate(): an OIDC token is as good here as a static one.
  const principal = await auth.verify(request.headers.authorization);
  if (!principal) return { status: 401, error: "missing or unknown bearer token" };
  if (request.method === "PUT" && principal.scope !== "read-write") return { status: 403, error: "this token is read-only" };
  const length = Number(request.headers["content-length"] ?? 0);
  if (request.method === "PUT" && length > maxBody)
    return { status: 413, error: `body of ${length} bytes exceeds the server's limit of ${maxBody} bytes` };
  return null;
}

/** Wires refuseBeforeContinue into a listening server. A refusal closes the connection: its unread body must not be parsed as the next request. */
export function answerExpectContinue(server: Server, auth: TokenAuth, maxBody: number): void {
  server.on("checkContinue", async (req: IncomingMessage, res: ServerResponse) => {
    const refusal = await refuseBeforeContinue(auth, maxBody, req);
    if (!refusal) {
      res.writeContinue();
      server.emit("request", req, res);
      return;
    }
    const body = JSON.stringify({ error: refusal.error });
    res.shouldKeepAlive = false;
    res.writeHead(refusal.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      connection: "close",
      ...(refusal.status === 401 ? { "www-authenticate": 'Bearer realm="gocacheprog"' } : {}),
    });
    res.end(body);
  });
}
