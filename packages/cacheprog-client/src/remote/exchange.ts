import { type ClientRequest, Agent as HttpAgent, type IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { headers as h, isHexId } from "@gocacheprog/common";
import { type Hit, isGoPutTime } from "../tier.ts";

/** How long a pooled connection may sit idle when the server announces no keep-alive timeout. */
const IDLE_SOCKET_MS = 30_000;

/**
 * A keep-alive pool. The idle timeout makes node's agent honour the server's `Keep-Alive: timeout=N`
 * and drop an idle connection a second before the server does; without one it ignores the hint, and
 * a request sent as the server closes that socket fails with ECONNRESET (seen as lost uploads).
 */
export function connectionPool(secure: boolean, maxSockets: number): HttpAgent {
  const options = { keepAlive: true, maxSockets, keepAliveMsecs: 30_000, timeout: IDLE_SOCKET_MS };
  return secure ? new (nodeHttps().Agent)(options) : new HttpAgent(options);
}

/**
 * node:https is looked up only for an https URL, not imported: loading it loads node:tls, which
 * reads and parses NODE_EXTRA_CA_CERTS when set (measured +70 ms of CPU on Node 24 with the
 * system bundle), a cost a plain-http remote (loopback, a sidecar) never needs.
 */
export function nodeHttps(): typeof import("node:https") {
  return process.getBuiltinModule("node:https");
}

/** The remote misbehaved (connection error, 5xx, garbage headers, cut body): counts against the breaker. */
export class RemoteError extends Error {
  override name = "RemoteError";
}

/** No complete answer within the deadline. Counts against the breaker for lookups only (see RemoteTier). */
export class RemoteTimeout extends RemoteError {
  override name = "RemoteTimeout";
}

/**
 * The remote answered, and said no to this one request (4xx, an output above the cap): the server
 * is healthy, so this never opens the breaker; it is a miss or a skipped upload.
 */
export class RemoteRefusal extends Error {
  override name = "RemoteRefusal";
}

/** Reading or writing the local tier failed: neither the remote's fault nor corruption. */
export class LocalStoreError extends Error {
  override name = "LocalStoreError";
  constructor(
    message: string,
    /** The output is gone from the local tier, or shorter than its size: trimmed meanwhile, which is expected now and then. */
    readonly trimmed = false,
  ) {
    super(message);
  }
}

/** A failure on the local side, as the error to throw: IntegrityError and LocalStoreError as they are, anything else a LocalStoreError. */
export function localFailure(err: unknown): Error {
  if (err instanceof LocalStoreError || (err instanceof Error && err.name === "IntegrityError")) return err as Error;
  return new LocalStoreError(
    err instanceof Error ? err.message : String(err),
    (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT",
  );
}

/** Runs a step of the local sink, labelling its failures so they are never blamed on the remote. */
export function locally<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw localFailure(err);
  }
}

/** The host to connect to: URL.hostname keeps an IPv6 literal's brackets, which getaddrinfo refuses. */
export function connectHost(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Whether a request that failed before any answer on a kept-alive connection found it dead: reset or
 * closed. Only a body that can be sent again counts (none, or bytes in hand; a file stream is spent).
 */
function staleConnection(err: Error, body: Readable | readonly Uint8Array[] | undefined): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return (code === "ECONNRESET" || code === "EPIPE") && (body === undefined || Array.isArray(body));
}

/**
 * Closes the pool's idle connections. One found dead after sitting idle says the others, idle as
 * long, are likely dead too (a restart closes them all): the retry and the requests after it then
 * open new ones instead of meeting each dead one in turn.
 */
function dropIdleConnections(agent: HttpAgent | undefined): void {
  if (!agent) return;
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

/**
 * One HTTP request with a deadline that covers everything (connect, headers, body) and can be
 * moved once the size of the transfer is known. Past it the socket is destroyed, so the body stops
 * flowing and nothing more is read, whatever the server keeps sending.
 */
export class Exchange {
  readonly response: Promise<IncomingMessage>;
  private req!: ClientRequest;
  private readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private timedOutAfter: number | undefined;
  /** Set once the caller is done with the exchange (either way): nothing is sent again after that. */
  private over = false;
  /** A body streamed from a file: destroyed with a failed request, which pipe() leaves open. */
  private body: Readable | undefined;

  constructor(
    open: (onResponse: (res: IncomingMessage) => void) => ClientRequest,
    private readonly method: string,
    body: Readable | readonly Uint8Array[] | undefined,
    timeoutMs: number,
    /** The pool the request takes its connection from. */
    pool?: HttpAgent,
  ) {
    this.response = new Promise<IncomingMessage>((resolve, reject) => {
      const send = (again: boolean) => {
        let answered = false;
        let reused = false;
        const req = open((res) => {
          answered = true;
          resolve(res);
        });
        this.req = req;
        // A kept-alive connection is connected when handed out. req.reusedSocket alone misses one the
        // pool passes straight to a request that waited for it (all connections busy, as in a build).
        req.once("socket", (socket) => {
          reused = req.reusedSocket || !socket.connecting;
        });
        req.on("error", (err) => {
          if (again || answered || !reused || this.over || this.timedOutAfter !== undefined || !staleConnection(err, body)) reject(err);
          else {
            // A pooled connection that died while idle (a server restarted, a replica replaced, an idle
            // close racing this request) and gave no answer. Every request here is idempotent (a
            // lookup, content-addressed uploads), so it goes once more, on a new connection.
            dropIdleConnections(pool);
            send(true);
          }
        });
        this.write(req, body);
      };
      send(false);
    });
    // Awaited later by the caller; a rejection before then must not count as unhandled.
    this.response.catch(() => {});
    this.extendTo(timeoutMs);
  }

  private write(req: ClientRequest, body: Readable | readonly Uint8Array[] | undefined): void {
    if (Array.isArray(body)) {
      // Bytes in hand go out with the headers in one write (node sends what is queued before the
      // socket is assigned together), not through a stream's pipe.
      for (const piece of body) req.write(piece);
      req.end();
    } else if (body) {
      const stream = body as Readable;
      this.body = stream;
      // A body read from a local file that fails is the local side's failure, not the remote's.
      stream.on("error", (err) => req.destroy(localFailure(err)));
      stream.pipe(req);
    } else req.end();
  }

  /** Sets the deadline to `timeoutMs` after the request started (a larger transfer gets more time). */
  extendTo(timeoutMs: number): void {
    clearTimeout(this.timer);
    // A deadline grown with the size of a transfer can pass what a timer takes (2^31-1 ms), and node
    // would then fire it at once.
    const left = Math.min(2 ** 31 - 1, Math.max(0, this.startedAt + timeoutMs - performance.now()));
    this.timer = setTimeout(() => {
      this.timedOutAfter = timeoutMs;
      this.req.destroy(new RemoteTimeout(`${this.method}: no complete answer within ${timeoutMs} ms`));
    }, left);
  }

  /**
   * Once a large body's deadline has grown with its size (minutes for a large archive), a body
   * that stops flowing (a stalled server, a dropped link) must not hold go that long: no bytes for
   * `idleMs` ends it as well. progress() is called for every chunk.
   */
  watchBody(idleMs: number): void {
    this.idle = setTimeout(() => {
      this.timedOutAfter = idleMs;
      this.req.destroy(new RemoteTimeout(`${this.method}: no body bytes for ${idleMs} ms`));
    }, idleMs);
  }

  progress(): void {
    this.idle?.refresh();
  }

  /** Reads and discards a (small) reply body so the keep-alive socket can be reused. */
  async drain(res: IncomingMessage): Promise<void> {
    for await (const _ of res) {
      // Status replies carry a few bytes of text at most; nothing to keep.
    }
  }

  done(): void {
    this.over = true;
    clearTimeout(this.timer);
    clearTimeout(this.idle);
  }

  /**
   * Ends a failed exchange: the timer is cleared and the socket destroyed (not returned to the
   * pool). Returns the error to throw: a RemoteTimeout whenever the deadline was what ended it.
   */
  failed(err: unknown): unknown {
    this.done();
    this.req.destroy();
    // pipe() only unpipes a source whose destination failed: left paused, the file stays open for good.
    this.body?.destroy();
    if (this.timedOutAfter !== undefined) {
      return err instanceof RemoteTimeout ? err : new RemoteTimeout(`${this.method}: no complete answer within ${this.timedOutAfter} ms`);
    }
    if (
      err instanceof Error &&
      (err.name === "IntegrityError" || err instanceof RemoteError || err instanceof RemoteRefusal || err instanceof LocalStoreError)
    )
      return err;
    return new RemoteError(`${this.method}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** What the server said about one action, before its bytes. */
export interface RemoteEntry {
  outputHex: string;
  putTime: Date;
  /** Declared output size: the bytes the sink must receive, no more, no fewer. */
  size: number;
}

/** The entry a 200 reply announces. Compressed replies (Content-Encoding) declare the raw size on their own. */
export function entryOf(res: IncomingMessage, maxOutput: number): RemoteEntry {
  const outputHex = String(res.headers[h.outputId] ?? "");
  const putTime = new Date(String(res.headers[h.putTime] ?? ""));
  if (!isHexId(outputHex) || !isGoPutTime(putTime.getTime())) {
    throw new RemoteError("GET action: reply lacks a valid output id or put time");
  }
  const declared = res.headers[h.outputSize] ?? res.headers["content-length"];
  if (typeof declared !== "string" || !/^\d{1,16}$/.test(declared)) {
    throw new RemoteError("GET action: reply does not declare its size (Content-Length)");
  }
  const size = Number(declared);
  if (size > maxOutput) {
    throw new RemoteRefusal(`GET action: output of ${size} bytes is above the ${maxOutput}-byte cap (--remote-max-output)`);
  }
  return { outputHex, putTime, size };
}

/** 5xx and other non-answers are the remote being unwell; a 4xx is a refusal of this one request. */
export function checkStatus(what: string, res: IncomingMessage): void {
  const status = res.statusCode ?? 0;
  if (status === 200) return;
  if (status >= 400 && status < 500) throw new RemoteRefusal(`${what}: HTTP ${status}`);
  throw new RemoteError(`${what}: HTTP ${status}`);
}

/** What a lookup that hit brought: the entry, stored and verified in the local tier. */
export interface RemoteHit {
  entry: RemoteEntry;
  /** The verified entry, as stored by the sink. */
  hit: Hit;
  /** The first bytes of the output (package archives start with the ar magic). */
  head: Buffer;
  /** Body bytes as they came over the wire (fewer than the output's when it came compressed). */
  wireBytes: number;
}
