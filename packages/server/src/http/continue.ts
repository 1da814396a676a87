import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { routes } from "@gocacheprog/common";
import { MAX_BATCH_UPLOAD_BYTES } from "@gocacheprog/common/proto";
import type { TokenAuth } from "../auth/tokens.ts";
import { type Admission, RETRY_AFTER_SECONDS } from "./admission.ts";

export interface ContinueDeps {
  auth: TokenAuth;
  /** --max-body: the largest PUT body. */
  maxBody: number;
  /** The server's load shedding; without it nothing is shed. */
  admission?: Admission;
}

export type EarlyRefusal = { status: 401 | 403 | 413 | 429 | 503; error: string };

/**
 * The uploads (write scope) and the largest body each route takes: PUT /v1/actions/:id (the only
 * PUT) and the batch upload. Both are refused here by the same rules, and checked again by their
 * routes once the body is read.
 */
function uploadLimit(method: string | undefined, path: string, maxBody: number): number | null {
  if (method === "PUT") return maxBody;
  if (method === "POST" && path === routes.batchUpload) return MAX_BATCH_UPLOAD_BYTES;
  return null;
}

/**
 * `Expect: 100-continue` lets a client ask before sending a body. Node answers `100 Continue` by
 * itself unless the server listens for 'checkContinue', and that would invite a 1 GiB upload only to
 * refuse it with 401 afterwards. So the refusals that need no body (shed load, unknown token, an
 * upload with a read-only token or a Content-Length over its route's limit) are made here, before a
 * byte of body is read; everything else gets its `100 Continue` and goes through the admission and
 * the app as usual (which check again, so nothing is skipped).
 */
export async function refuseBeforeContinue(
  { auth, maxBody, admission }: ContinueDeps,
  request: { method?: string; url?: string; headers: IncomingMessage["headers"] },
): Promise<EarlyRefusal | null> {
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  // First, as for every request (http/pipelining.ts): a request that would be shed is, whoever sends it.
  const shed = admission?.wouldRefuse(path, request.headers.authorization);
  if (shed) return { status: shed.status, error: shed.error };
  // Only /v1 takes bodies; /gomod and the probes are read-only (their routes answer a body with 404/405).
  if (!path.startsWith("/v1/")) return null;
  // verify(), not authenticate(): an OIDC token is as good here as a static one.
  const principal = await auth.verify(request.headers.authorization);
  if (!principal) return { status: 401, error: "missing or unknown bearer token" };
  const limit = uploadLimit(request.method, path, maxBody);
  if (limit === null) return null;
  if (principal.scope !== "read-write") return { status: 403, error: "this token is read-only" };
  const length = Number(request.headers["content-length"] ?? 0);
  if (length > limit) return { status: 413, error: `body of ${length} bytes exceeds the server's limit of ${limit} bytes` };
  return null;
}

/** Wires refuseBeforeContinue into a listening server. A refusal closes the connection: its unread body must not be parsed as the next request. */
export function answerExpectContinue(server: Server, deps: ContinueDeps): void {
  server.on("checkContinue", async (req: IncomingMessage, res: ServerResponse) => {
    const refusal = await refuseBeforeContinue(deps, req);
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
      ...(refusal.status === 429 || refusal.status === 503 ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {}),
    });
    res.end(body);
  });
}
