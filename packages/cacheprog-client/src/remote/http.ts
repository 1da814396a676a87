import { createReadStream } from "node:fs";
import { type ClientRequest, Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { headers as h, isHexId, routes, withDeadline } from "@gocacheprog/common";

/** What the server said about one action, with the output bytes already read. */
export interface RemoteEntry {
  outputHex: string;
  putTime: Date;
  body: Buffer;
}

/** A reply that is not a cache answer (5xx, 401, garbage headers): counts against the breaker. */
export class RemoteError extends Error {
  override name = "RemoteError";
}

export type UploadOutcome = "stored" | "linked" | "forbidden";

export interface RemoteClientOptions {
  url: string;
  token?: string;
  timeoutMs: number;
  /** Keep-alive connections for lookups, which go waits on. */
  connections: number;
  /** Connections for background uploads: a separate pool, so an upload burst never queues a lookup. */
  uploadConnections: number;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The client's whole view of the HTTP API (names from @gocacheprog/common/api). One keep-alive
 * pool per process: node's own http.Agent, which costs nothing at start-up (a bundled HTTP library
 * measured ~40 ms of parse time on every go invocation, used or not). Every call carries its own
 * deadline, so nothing the server does can hang go.
 */
export class RemoteClient {
  private readonly lookupAgent: HttpAgent;
  private readonly uploadAgent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly url: URL;
  private readonly basePath: string;
  private readonly auth: Record<string, string>;

  constructor(private readonly options: RemoteClientOptions) {
    this.url = new URL(options.url);
    this.basePath = this.url.pathname.replace(/\/+$/, "");
    const secure = this.url.protocol === "https:";
    const pool = (maxSockets: number) => {
      const agentOptions = { keepAlive: true, maxSockets, keepAliveMsecs: 30_000 };
      return secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    };
    this.lookupAgent = pool(options.connections);
    this.uploadAgent = pool(options.uploadConnections);
    this.send = secure ? httpsRequest : httpRequest;
    this.auth = options.token ? { authorization: `Bearer ${options.token}` } : {};
  }

  /** One round trip per hit: the reply carries the OutputID, put time and the bytes. null = miss. */
  async lookup(actionHex: string): Promise<RemoteEntry | null> {
    const res = await this.request(this.lookupAgent, "GET", routes.action(actionHex), this.auth, undefined, this.options.timeoutMs);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new RemoteError(`GET action: HTTP ${res.status}`);
    const outputHex = String(res.headers[h.outputId] ?? "");
    const putTime = new Date(String(res.headers[h.putTime] ?? ""));
    if (!isHexId(outputHex) || Number.isNaN(putTime.getTime())) {
      throw new RemoteError("GET action: reply lacks a valid output id or put time");
    }
    return { outputHex, putTime, body: res.body };
  }

  /**
   * Stores an output under an action. Large outputs first try a body-less link (the server may hold
   * the bytes already, under another action or from another runner) and upload only on 409.
   */
  async upload(actionHex: string, outputHex: string, size: number, diskPath: string, tryLinkFirst: boolean): Promise<UploadOutcome> {
    if (tryLinkFirst) {
      const linked = await this.put(actionHex, outputHex, { [h.outputSize]: String(size), "content-length": "0" }, undefined);
      if (linked !== "missing") return linked === "forbidden" ? "forbidden" : "linked";
    }
    const body = size > 0 ? createReadStream(diskPath) : undefined;
    const stored = await this.put(actionHex, outputHex, { "content-length": String(size) }, body);
    if (stored === "missing") throw new RemoteError("PUT action: server refused the body as unknown output");
    return stored;
  }

  private async put(
    actionHex: string,
    outputHex: string,
    extra: Record<string, string>,
    body: Readable | undefined,
  ): Promise<"stored" | "missing" | "forbidden"> {
    const headers = { ...this.auth, [h.outputId]: outputHex, ...extra };
    // Uploads move whole outputs, so they get more time than a lookup; they never block go.
    const res = await this.request(this.uploadAgent, "PUT", routes.action(actionHex), headers, body, this.options.timeoutMs * 3);
    if (res.status === 200 || res.status === 201) return "stored";
    if (res.status === 409) return "missing";
    if (res.status === 403) return "forbidden";
    throw new RemoteError(`PUT action: HTTP ${res.status}`);
  }

  /** Resolves with the whole reply, or rejects once `timeoutMs` has passed, whatever the server does. */
  private async request(
    agent: HttpAgent,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Readable | undefined,
    timeoutMs: number,
  ): Promise<Reply> {
    // Assigned synchronously by the executor below.
    let req!: ClientRequest;
    const exchange = new Promise<Reply>((resolve, reject) => {
      req = this.send(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port,
          method,
          path: this.basePath + path,
          headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("aborted", () => reject(new RemoteError(`${method}: connection cut mid-body`)));
          res.on("end", () => {
            const bodyBytes = Buffer.concat(chunks);
            const declared = res.headers["content-length"];
            if (declared !== undefined && Number(declared) !== bodyBytes.length) {
              reject(new RemoteError(`${method}: truncated body (${bodyBytes.length} of ${declared} bytes)`));
            } else resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bodyBytes });
          });
        },
      );
      req.on("error", reject);
      if (body) {
        body.on("error", (err) => req.destroy(err));
        body.pipe(req);
      } else req.end();
    });
    try {
      return await withDeadline(exchange, timeoutMs, () => new RemoteError(`${method}: no complete answer within ${timeoutMs} ms`));
    } catch (err) {
      // Past the deadline (or after any failure) the socket is not worth keeping: free it for the pool.
      req.destroy();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.lookupAgent.destroy();
    this.uploadAgent.destroy();
  }
}
