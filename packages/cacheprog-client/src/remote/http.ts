import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { headers as h, isHexId, routes } from "@gocacheprog/common";
import { Pool } from "undici";

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
  connections: number;
}

/**
 * The client's whole view of the HTTP API (names from @gocacheprog/common/api). One keep-alive pool
 * per process; every call carries its own deadline so nothing the server does can hang go.
 */
export class RemoteClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly auth: Record<string, string>;

  constructor(private readonly options: RemoteClientOptions) {
    const url = new URL(options.url);
    this.basePath = url.pathname.replace(/\/+$/, "");
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    this.auth = options.token ? { authorization: `Bearer ${options.token}` } : {};
  }

  /** One round trip per hit: the reply carries the OutputID, put time and the bytes. null = miss. */
  async lookup(actionHex: string): Promise<RemoteEntry | null> {
    const res = await this.pool.request({
      path: this.basePath + routes.action(actionHex),
      method: "GET",
      headers: this.auth,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (res.statusCode === 404) {
      await res.body.dump();
      return null;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new RemoteError(`GET action: HTTP ${res.statusCode}`);
    }
    const outputHex = String(res.headers[h.outputId] ?? "");
    const putTime = new Date(String(res.headers[h.putTime] ?? ""));
    const length = Number(res.headers["content-length"]);
    if (!isHexId(outputHex) || Number.isNaN(putTime.getTime()) || !Number.isSafeInteger(length)) {
      await res.body.dump();
      throw new RemoteError("GET action: reply lacks a valid output id, put time or content-length");
    }
    const body = Buffer.from(await res.body.arrayBuffer());
    if (body.length !== length) throw new RemoteError(`GET action: truncated body (${body.length} of ${length} bytes)`);
    return { outputHex, putTime, body };
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
    const stored = await this.put(actionHex, outputHex, { "content-length": String(size) }, size > 0 ? createReadStream(diskPath) : "");
    if (stored === "missing") throw new RemoteError("PUT action: server refused the body as unknown output");
    return stored;
  }

  private async put(
    actionHex: string,
    outputHex: string,
    extra: Record<string, string>,
    body: Readable | string | undefined,
  ): Promise<"stored" | "missing" | "forbidden"> {
    const res = await this.pool.request({
      path: this.basePath + routes.action(actionHex),
      method: "PUT",
      headers: { ...this.auth, [h.outputId]: outputHex, ...extra },
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs * 3),
    });
    await res.body.dump();
    if (res.statusCode === 200 || res.statusCode === 201) return "stored";
    if (res.statusCode === 409) return "missing";
    if (res.statusCode === 403) return "forbidden";
    throw new RemoteError(`PUT action: HTTP ${res.statusCode}`);
  }

  async close(): Promise<void> {
    await this.pool.close().catch(() => {});
  }
}
