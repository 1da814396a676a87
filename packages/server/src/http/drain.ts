import type { Server, ServerResponse } from "node:http";

/**
 * Returns what starts the drain: from then on every answer not yet begun says `Connection: close`
 * and its connection ends after it. Node's server.close() closes only the connections idle at that
 * moment; a keep-alive client would go on sending requests over a busy one until the deadline cut it,
 * maybe mid-request, where it should have opened a new connection to another replica.
 */
export function closeConnectionsAfterAnswers(server: Server): () => void {
  const open = new Set<ServerResponse>();
  let draining = false;
  const lastOnItsConnection = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("connection", "close");
  };
  server.on("request", (_req, res: ServerResponse) => {
    if (draining) return lastOnItsConnection(res);
    open.add(res);
    res.once("close", () => open.delete(res));
  });
  return () => {
    draining = true;
    for (const res of open) lastOnItsConnection(res);
  };
}
