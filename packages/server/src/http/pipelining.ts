import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { type Admission, RETRY_AFTER_SECONDS } from "./admission.ts";

/**
 * Requests one connection may have outstanding at once. Neither go's HTTP client nor the cacheprog
 * client pipelines, so a connection with more is a flood: Node parses a whole received chunk at
 * once (hundreds of pipelined requests), and answering each, even with a 429, would queue every
 * other client's request behind them. Such a connection is cut, and the requests already parsed
 * from it are dropped before they cost anything.
 */
export const MAX_PIPELINED = 16;

/** Longest an admission slot waits for the app's handler after its response closed. */
const APP_GRACE_MS = 60_000;

/**
 * What runs in front of the app for every request Node parses: the pipelining limit, then admission
 * control (http/admission.ts). Both refuse before the app builds a Request, which is what keeps a
 * flood cheap enough that other clients and the probes are answered in time.
 */
export function guardRequests(listener: RequestListener, admission: Admission | undefined): RequestListener {
  // What each connection has outstanding: a release per request, run when its response closes or,
  // for answers still queued behind earlier ones, when the connection closes (Node never closes those).
  const outstanding = new WeakMap<Socket, Set<() => void>>();
  const pending = (socket: Socket) => {
    let set = outstanding.get(socket);
    if (!set) {
      const created = new Set<() => void>();
      outstanding.set(socket, created);
      socket.once("close", () => {
        for (const release of [...created]) release();
      });
      set = created;
    }
    return set;
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    if (socket.destroyed) return;
    const open = pending(socket);
    if (open.size >= MAX_PIPELINED) {
      socket.destroy();
      return;
    }
    // Refusals count too: queued behind the connection's earlier answers, they are outstanding as well.
    const ticket = admission?.admit((req.url ?? "/").split("?")[0] ?? "/", req.headers.authorization);
    // The admission slot goes back once the response is over (sent, or its connection closed) and
    // the app's handler has settled: a client that hangs up right after asking must not leave its
    // lookups running beyond the limits. A handler still busy APP_GRACE_MS after the close frees it
    // then, whatever it is stuck on.
    let appRunning = false;
    let grace: NodeJS.Timeout | undefined;
    const freeSlot = () => {
      clearTimeout(grace);
      if (ticket?.admitted) ticket.release();
    };
    const release = () => {
      if (!open.delete(release)) return;
      if (!appRunning) freeSlot();
      else grace = setTimeout(freeSlot, APP_GRACE_MS).unref();
    };
    open.add(release);
    res.once("close", release);
    if (ticket && !ticket.admitted) {
      const body = req.method === "HEAD" ? "" : JSON.stringify({ error: ticket.error });
      res.writeHead(ticket.status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "retry-after": String(RETRY_AFTER_SECONDS),
      });
      res.end(body);
      return;
    }
    appRunning = true;
    const settled = () => {
      appRunning = false;
      if (!open.has(release)) freeSlot();
    };
    let handling: unknown;
    try {
      // @hono/node-server's listener returns the promise of the whole exchange; a plain one, nothing.
      handling = listener(req, res);
    } catch (err) {
      settled();
      throw err;
    }
    Promise.resolve(handling).then(settled, settled);
  };
}

/** For @hono/node-server's `createServer` option: Node's createServer with guardRequests in front of the app. */
export function guardedServerFactory(admission: Admission | undefined): typeof createServer {
  return ((options: Parameters<typeof createServer>[0], listener?: RequestListener) =>
    createServer(options ?? {}, guardRequests(listener ?? (() => {}), admission))) as typeof createServer;
}
