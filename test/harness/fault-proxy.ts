import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback HTTP proxy in front of a real gocacheprog-server that misbehaves on purpose: fails a
 * share of requests with 500, answers slowly, or flips a byte in GET bodies (hash mismatch). Faults
 * are chosen by a seeded counter, not Math.random, so a failing run can be reproduced.
 */
export interface FaultPlan {
  /** Every n-th request (1-based) gets a 500 when errorEvery = n; 2 means 50%. 0 = never. */
  errorEvery?: number;
  /** Added before forwarding each request. */
  delayMs?: number;
  /** Corrupt the body of GET replies whose path contains one of these action hexes ("*" = all). */
  corruptPaths?: string[];
}

export interface FaultProxy {
  url: string;
  plan: FaultPlan;
  counts: { requests: number; errors: number; corrupted: number; delayed: number };
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string, plan: FaultPlan = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const counts = { requests: 0, errors: 0, corrupted: 0, delayed: 0 };
  const proxy: FaultProxy = { url: "", plan, counts, close: async () => {} };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = ++counts.requests;
    const { errorEvery = 0, delayMs = 0, corruptPaths = [] } = proxy.plan;
    const go = () => {
      if (errorEvery > 0 && n % errorEvery === 0) {
        counts.errors++;
        req.resume();
        res.writeHead(500, { "content-type": "application/json" }).end('{"error":"injected fault"}');
        return;
      }
      const corrupt = req.method === "GET" && corruptPaths.some((p) => p === "*" || (req.url ?? "").includes(p));
      const upstreamReq = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          if (!corrupt || up.statusCode !== 200) {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            return;
          }
          const chunks: Buffer[] = [];
          up.on("data", (c: Buffer) => chunks.push(c));
          up.on("end", () => {
            const body = Buffer.concat(chunks);
            if (body.length > 0) {
              body[0] = (body[0] ?? 0) ^ 0xff;
              counts.corrupted++;
            }
            res.writeHead(200, up.headers).end(body);
          });
        },
      );
      upstreamReq.on("error", () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      req.pipe(upstreamReq);
    };
    if (delayMs > 0) {
      counts.delayed++;
      setTimeout(go, delayMs);
    } else go();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
