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
  /**
   * Warm-start stream faults on POST /v1/prefetch replies: "cut" drops the connection after
   * `prefetchAfterBytes` bytes (a server killed mid-stream), "truncate" ends the body cleanly there
   * (a stream that stops inside a frame), "corrupt" flips one byte there (inside an entry's data).
   */
  prefetchFault?: "cut" | "truncate" | "corrupt";
  prefetchAfterBytes?: number;
}

export interface FaultProxy {
  url: string;
  plan: FaultPlan;
  counts: { requests: number; errors: number; corrupted: number; delayed: number; prefetchFaults: number };
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string, plan: FaultPlan = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const counts = { requests: 0, errors: 0, corrupted: 0, delayed: 0, prefetchFaults: 0 };
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
          const fault = proxy.plan.prefetchFault;
          if (fault && req.method === "POST" && req.url?.endsWith("/v1/prefetch") && up.statusCode === 200) {
            counts.prefetchFaults++;
            res.writeHead(200, { "content-type": String(up.headers["content-type"]) });
            let sent = 0;
            const at = proxy.plan.prefetchAfterBytes ?? 4096;
            up.on("data", (chunk: Buffer) => {
              if (sent >= at && fault !== "corrupt") return;
              const part = fault === "corrupt" ? Buffer.from(chunk) : chunk.subarray(0, at - sent);
              if (fault === "corrupt" && sent <= at && at < sent + chunk.length) part[at - sent] = (part[at - sent] ?? 0) ^ 0x01;
              sent += chunk.length;
              res.write(part);
              if (sent >= at && fault === "cut") res.destroy();
              else if (sent >= at && fault === "truncate") res.end();
            });
            up.on("end", () => res.end());
            return;
          }
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
