import { type Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { headers as h, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import type { OutputSink } from "../tier.ts";
import {
  checkStatus,
  connectHost,
  connectionPool,
  Exchange,
  entryOf,
  localFailure,
  locally,
  nodeHttps,
  type RemoteEntry,
  RemoteError,
  type RemoteHit,
  RemoteRefusal,
} from "./exchange.ts";
import { bodyBytesDone } from "./garbage.ts";
import { type BatchOutcome, batchResults, packBatch, type UploadJob } from "./upload-batch.ts";
import { rawBody } from "./upload-bodies.ts";
import { codecOrNull, packForUpload, recycleDecoder, replyDecoder, stored, type UploadResult, ZSTD_ENCODING } from "./zstd-bodies.ts";

export type { RemoteEntry, RemoteHit } from "./exchange.ts";
export { LocalStoreError, RemoteError, RemoteRefusal, RemoteTimeout } from "./exchange.ts";
export type { BatchOutcome } from "./upload-batch.ts";
export type { UploadOutcome, UploadResult } from "./zstd-bodies.ts";

/** Where a lookup's bytes go: normally the local tier's ingest (a temp file, hashed while written). */
export type OpenSink = (entry: RemoteEntry) => OutputSink;

export interface RemoteClientOptions {
  url: string;
  token?: string;
  /** Base deadline of one request; a transfer gets `size / minRateBytesPerSec` on top. */
  timeoutMs: number;
  /** Slowest transfer rate still waited for: large outputs on slow links get time in proportion. */
  minRateBytesPerSec?: number;
  /** Largest output accepted from the server; a larger declared size is refused before reading. */
  maxOutputBytes?: number;
  /** Keep-alive connections for lookups, which go waits on. */
  connections: number;
  /** Connections for background uploads: a separate pool, so an upload burst never queues a lookup. */
  uploadConnections: number;
}

export const DEFAULT_MIN_RATE = 1024 * 1024;
export const DEFAULT_MAX_OUTPUT = 1024 ** 3;

/**
 * The client's whole view of the HTTP API (names from @gocacheprog/common/api). One keep-alive
 * pool per process: node's own http.Agent, which costs nothing at start-up (a bundled HTTP library
 * measured ~40 ms of parse time on every go invocation, used or not). Every call carries its own
 * deadline, scaled by the bytes it moves, so nothing the server does can hang go, and no reply is
 * ever held whole in memory: output bytes stream into a sink on disk.
 */
export class RemoteClient {
  private readonly lookupAgent: HttpAgent;
  private readonly uploadAgent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly url: URL;
  private readonly basePath: string;
  private auth: Record<string, string>;
  private readonly minRate: number;
  private readonly maxOutput: number;
  /** Off once the server refuses a compressed upload (one that predates compression): then everything goes raw. */
  private compressUploads = true;

  constructor(private readonly options: RemoteClientOptions) {
    this.url = new URL(options.url);
    this.basePath = this.url.pathname.replace(/\/+$/, "");
    const secure = this.url.protocol === "https:";
    this.lookupAgent = connectionPool(secure, options.connections);
    this.uploadAgent = connectionPool(secure, options.uploadConnections);
    this.send = secure ? nodeHttps().request : httpRequest;
    this.auth = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.minRate = options.minRateBytesPerSec || DEFAULT_MIN_RATE;
    this.maxOutput = options.maxOutputBytes || DEFAULT_MAX_OUTPUT;
  }

  /** A renewed token (remote/oidc.ts) for the requests from now on; those in flight keep theirs. */
  setToken(token: string): void {
    this.auth = { authorization: `Bearer ${token}` };
  }

  /** Time allowed for a request moving `bytes`: the base deadline plus the bytes at the minimum rate. */
  deadlineFor(baseMs: number, bytes: number): number {
    return baseMs + Math.ceil((bytes / this.minRate) * 1000);
  }

  /**
   * One round trip per hit: the reply carries the OutputID, put time and the bytes, which stream
   * into the sink `open` returns and are verified there. null = miss. A declared size above the cap
   * is refused before any byte is read; a body that runs past its size, ends short, or does not hash
   * to its OutputID leaves nothing behind (RemoteError, IntegrityError).
   */
  async lookup(actionHex: string, open: OpenSink): Promise<RemoteHit | null> {
    const zstd = await codecOrNull();
    const ask = zstd ? { ...this.auth, "accept-encoding": ZSTD_ENCODING } : this.auth;
    const call = this.start(this.lookupAgent, "GET", routes.action(actionHex), ask, undefined, this.options.timeoutMs);
    let sink: OutputSink | undefined;
    try {
      const res = await call.response;
      if (res.statusCode === 404) {
        await call.drain(res);
        call.done();
        return null;
      }
      checkStatus("GET action", res);
      const entry = entryOf(res, this.maxOutput);
      call.extendTo(this.deadlineFor(this.options.timeoutMs, entry.size));
      call.watchBody(this.options.timeoutMs);
      const decoder = replyDecoder(res.headers, entry.size, zstd);
      const target = locally(() => open(entry));
      sink = target;
      let wireBytes = 0;
      for await (const chunk of res) {
        call.progress();
        wireBytes += (chunk as Buffer).length;
        if (decoder) decoder.push(chunk as Buffer, (decoded) => locally(() => target.write(decoded)));
        else locally(() => target.write(chunk as Buffer));
        bodyBytesDone((chunk as Buffer).length);
      }
      if (!res.complete) throw new RemoteError(`GET action: connection cut after ${wireBytes} body bytes`);
      if (decoder) {
        decoder.end();
        recycleDecoder(decoder);
      }
      const head = target.head;
      const hit = locally(() => target.finish());
      call.done();
      return { entry, hit, head, wireBytes };
    } catch (err) {
      sink?.abort();
      throw call.failed(err);
    }
  }

  /**
   * Stores an output under an action. Large outputs first try a body-less link (the server may hold
   * the bytes already, under another action or from another runner) and upload only on 409.
   */
  async upload(actionHex: string, outputHex: string, size: number, diskPath: string, tryLinkFirst: boolean): Promise<UploadResult> {
    let requests = 0;
    if (tryLinkFirst) {
      requests++;
      const linked = await this.put(actionHex, outputHex, { [h.outputSize]: String(size), "content-length": "0" }, undefined, 0);
      if (linked !== "missing") return { outcome: linked === "forbidden" ? "forbidden" : "linked", wireBytes: 0, requests };
    }
    // Off go's path (uploads run behind it); a file gone from the local tier is a LocalStoreError.
    const packed = this.compressUploads ? await packForUpload(diskPath, size).catch((err) => Promise.reject(localFailure(err))) : null;
    if (packed) {
      const length = packed.reduce((sum, frame) => sum + frame.length, 0);
      const zstd = { "content-length": String(length), "content-encoding": ZSTD_ENCODING, [h.outputSize]: String(size) };
      try {
        requests++;
        return stored(await this.put(actionHex, outputHex, zstd, packed, length), length, requests);
      } catch (err) {
        // A server that predates compression reads the body as the output and refuses it: raw from now on.
        if (!(err instanceof RemoteRefusal && /HTTP 4(00|15)$/.test(err.message))) throw err;
        this.compressUploads = false;
      }
    }
    requests++;
    return stored(await this.put(actionHex, outputHex, { "content-length": String(size) }, rawBody(diskPath, size), size), size, requests);
  }

  private async put(
    actionHex: string,
    outputHex: string,
    extra: Record<string, string>,
    body: Readable | readonly Uint8Array[] | undefined,
    size: number,
  ): Promise<"stored" | "missing" | "forbidden"> {
    const headers = { ...this.auth, [h.outputId]: outputHex, ...extra };
    // Uploads never block go, so they get three base deadlines, plus time for their bytes.
    const timeoutMs = this.deadlineFor(this.options.timeoutMs * 3, size);
    const call = this.start(this.uploadAgent, "PUT", routes.action(actionHex), headers, body, timeoutMs);
    try {
      const res = await call.response;
      await call.drain(res);
      call.done();
      if (res.statusCode === 200 || res.statusCode === 201) return "stored";
      if (res.statusCode === 409) return "missing";
      if (res.statusCode === 403) return "forbidden";
      checkStatus("PUT action", res);
      throw new RemoteError(`PUT action: HTTP ${res.statusCode}`);
    } catch (err) {
      throw call.failed(err);
    }
  }

  /**
   * Stores small outputs in one POST batch/upload (remote/upload-batch.ts), each stored or refused on
   * its own. "unsupported": a server that predates batches (404, 405); the caller sends them one by one.
   */
  async uploadBatch(jobs: readonly UploadJob[]): Promise<BatchOutcome> {
    const packed = await packBatch(jobs, this.compressUploads);
    if (packed.sent.length === 0) return { ...packed, results: [] };
    const headers = { ...this.auth, "content-type": PROTOBUF_CONTENT_TYPE, "content-length": String(packed.body.byteLength) };
    const timeoutMs = this.deadlineFor(this.options.timeoutMs * 3, packed.body.byteLength);
    const call = this.start(this.uploadAgent, "POST", routes.batchUpload, headers, [packed.body], timeoutMs);
    try {
      const res = await call.response;
      if (res.statusCode !== 200) {
        await call.drain(res);
        call.done();
        if (res.statusCode === 404 || res.statusCode === 405) return "unsupported";
        if (res.statusCode === 403) return "forbidden";
        checkStatus("POST batch upload", res);
      }
      const results = await batchResults(res, packed.sent.length);
      call.done();
      return { ...packed, results };
    } catch (err) {
      throw call.failed(err);
    }
  }

  /** Stores a build manifest (an encoded ManifestUpload). Background work, like uploads. */
  async uploadManifest(body: Uint8Array, timeoutMs: number): Promise<"stored" | "forbidden"> {
    const headers = { ...this.auth, "content-type": PROTOBUF_CONTENT_TYPE, "content-length": String(body.byteLength) };
    const call = this.start(this.uploadAgent, "POST", routes.manifests, headers, [body], timeoutMs);
    try {
      const res = await call.response;
      await call.drain(res);
      call.done();
      if (res.statusCode === 201) return "stored";
      if (res.statusCode === 403) return "forbidden";
      checkStatus("POST manifests", res);
      throw new RemoteError(`POST manifests: HTTP ${res.statusCode}`);
    } catch (err) {
      throw call.failed(err);
    }
  }

  /**
   * The warm-start stream (entries in the zstd form when we accept it): POSTs an encoded PrefetchRequest and hands each chunk of the reply to
   * `onChunk`, waiting for it before reading on (so a slow local disk holds the server back, not our
   * memory). Rejects on a non-200 answer or a broken connection; `signal` stops it at any point.
   * It has a connection of its own: the lookups go is waiting on never queue behind it.
   */
  async prefetch(body: Uint8Array, onChunk: (chunk: Buffer) => Promise<void>, signal: AbortSignal): Promise<void> {
    const ask = (await codecOrNull()) ? { ...this.auth, "accept-encoding": ZSTD_ENCODING } : this.auth;
    const headers = { ...ask, "content-type": PROTOBUF_CONTENT_TYPE, "content-length": String(body.byteLength) };
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = this.send(
        {
          protocol: this.url.protocol,
          hostname: connectHost(this.url),
          port: this.url.port,
          method: "POST",
          path: this.basePath + routes.prefetch,
          headers,
          agent: false,
          signal,
        },
        resolve,
      );
      req.on("error", reject);
      req.end(body);
    });
    if (res.statusCode !== 200) {
      res.destroy();
      throw new RemoteError(`POST prefetch: HTTP ${res.statusCode}`);
    }
    try {
      for await (const chunk of res) await onChunk(chunk as Buffer);
    } finally {
      res.destroy();
    }
    if (!res.complete) throw new RemoteError("POST prefetch: connection cut mid-stream");
  }

  private start(
    agent: HttpAgent,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Readable | readonly Uint8Array[] | undefined,
    timeoutMs: number,
  ): Exchange {
    const options = {
      protocol: this.url.protocol,
      hostname: connectHost(this.url),
      port: this.url.port,
      method,
      path: this.basePath + path,
      headers,
      agent,
    };
    return new Exchange((onResponse) => this.send(options, onResponse), method, body, timeoutMs, agent);
  }

  async close(): Promise<void> {
    this.lookupAgent.destroy();
    this.uploadAgent.destroy();
  }
}
