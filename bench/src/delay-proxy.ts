import { connect, createServer, type Socket } from "node:net";

export interface Traffic {
  connections: number;
  /** HTTP/1.1 request lines seen from client to server. */
  requests: number;
  bytesUp: number;
  bytesDown: number;
}

export interface DelayProxy {
  port: number;
  rttMs: number;
  /** Link rate in Mbit/s each way, shared by all connections; undefined = unlimited. */
  mbits?: number;
  traffic(): Traffic;
  resetTraffic(): void;
  stop(): Promise<void>;
}

const REQUEST_LINE = /(?:GET|PUT|HEAD|POST|DELETE) \S+ HTTP\/1\.1\r\n/g;
const CARRY_BYTES = 512;

/** One direction of a link of limited rate: chunks of every connection take turns on it. */
interface Link {
  bytesPerMs: number;
  /** When the link has finished sending what was queued on it so far. */
  freeAt: number;
}

/**
 * A loopback TCP proxy that holds every chunk for half the round trip in each direction, so one
 * request/response exchange costs `rttMs` more, as it would across a network. With `mbits`, each
 * direction is also a link of that rate shared by all connections (a chunk leaves once the link
 * has sent everything before it, then takes the one-way delay), like a runner's uplink. It also counts
 * connections, bytes and HTTP request lines, so every system's traffic is measured the same way.
 */
export async function startDelayProxy(targetPort: number, rttMs: number, mbits?: number): Promise<DelayProxy> {
  const oneWayMs = rttMs / 2;
  const link = (): Link | undefined => (mbits ? { bytesPerMs: (mbits * 1e6) / 8 / 1000, freeAt: 0 } : undefined);
  const [up, down] = [link(), link()];
  let traffic: Traffic = { connections: 0, requests: 0, bytesUp: 0, bytesDown: 0 };
  const sockets = new Set<Socket>();

  // Half-open on both sides: a FIN must travel with the same delay as the data before it.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    traffic.connections++;
    const upstream = connect({ host: "127.0.0.1", port: targetPort, allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let carry = "";
    pipeWithDelay(client, upstream, oneWayMs, up, (chunk) => {
      traffic.bytesUp += chunk.length;
      const text = carry + chunk.toString("latin1");
      for (const match of text.matchAll(REQUEST_LINE)) {
        if (match.index + match[0].length > carry.length) traffic.requests++;
      }
      carry = text.slice(-CARRY_BYTES);
    });
    pipeWithDelay(upstream, client, oneWayMs, down, (chunk) => {
      traffic.bytesDown += chunk.length;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("delay proxy has no port");

  return {
    port: address.port,
    rttMs,
    mbits,
    traffic: () => ({ ...traffic }),
    resetTraffic: () => {
      traffic = { connections: 0, requests: 0, bytesUp: 0, bytesDown: 0 };
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Bytes a throttled direction holds before it stops reading from its source. */
const MAX_QUEUED = 1 << 20;

/**
 * Forwards chunks in order, each no earlier than `delayMs` after it arrived (after its turn on the
 * link, when there is one); ends and errors follow the data.
 */
function pipeWithDelay(from: Socket, to: Socket, delayMs: number, link: Link | undefined, onChunk: (chunk: Buffer) => void): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waiting = false;
  let queued = 0;
  let last = 0;

  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      if (chunk === null) {
        to.end();
        return;
      }
      queued -= chunk.length;
      if (link && queued < MAX_QUEUED / 4 && from.isPaused() && !waiting) from.resume();
      // One drain listener at a time: a burst of queued chunks must not stack them (a listener leak).
      if (!to.write(chunk) && !waiting) {
        waiting = true;
        from.pause();
        to.once("drain", () => {
          waiting = false;
          from.resume();
        });
      }
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0]!.due - now));
  };
  const enqueue = (chunk: Buffer | null) => {
    const now = performance.now();
    let due = now + delayMs;
    if (link && chunk) {
      link.freeAt = Math.max(now, link.freeAt) + chunk.length / link.bytesPerMs;
      due = link.freeAt + delayMs;
      queued += chunk.length;
      if (queued > MAX_QUEUED) from.pause();
    }
    // In order per connection, whatever the link did for other connections meanwhile.
    last = Math.max(last, due);
    queue.push({ due: last, chunk });
    if (last <= now) flush();
    else timer ??= setTimeout(flush, last - now);
  };

  from.on("data", (chunk: Buffer) => {
    onChunk(chunk);
    enqueue(chunk);
  });
  from.once("end", () => enqueue(null));
  to.once("close", () => {
    if (timer) clearTimeout(timer);
  });
}
