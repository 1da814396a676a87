import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Closes a connection on which no byte moved for `ms` once its response has begun: a client that
 * stopped reading a download or a warm-start stream would otherwise hold its reads and admission
 * slots for as long as its socket lives. Before the headers go out the server itself is still at
 * work (a module fill from a slow upstream, a backend read under its own deadline; a slow upload is
 * --request-timeout's), so a silent socket is left alone then: its timer re-arms with the next byte.
 */
export function closeIdleConnections(server: Server, ms: number): void {
  if (ms <= 0) return;
  const current = new WeakMap<Socket, ServerResponse>();
  server.on("request", (req, res: ServerResponse) => {
    current.set(req.socket, res);
  });
  // With a listener node no longer destroys timed-out sockets itself: this decides.
  server.setTimeout(ms, (socket: Socket) => {
    const res = current.get(socket);
    if (res && !res.headersSent) return;
    socket.destroy();
  });
}
