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
  traffic(): Traffic;
  resetTraffic(): void;
  stop(): Promise<void>;
}

const REQUEST_LINE = /(?:GET|PUT|HEAD|POST|DELETE) \S+ HTTP\/1\.1\r\n/g;
const CARRY_BYTES = 512;

/**
 * A loopback TCP proxy that holds every chunk for half the round trip in each direction, so one
 * request/response exchange costs `rttMs` more, as it would across a network. It also counts
 * connections, bytes and HTTP request lines, so every system's traffic is measured the same way.
 */
export async function startDelayProxy(targetPort: number, rttMs: number): Promise<DelayProxy> {
  const oneWayMs = rttMs / 2;
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
    pipeWithDelay(client, upstream, oneWayMs, (chunk) => {
      traffic.bytesUp += chunk.length;
      const text = carry + chunk.toString("latin1");
      for (const match of text.matchAll(REQUEST_LINE)) {
        if (match.index + match[0].length > carry.length) traffic.requests++;
      }
      carry = text.slice(-CARRY_BYTES);
    });
    pipeWithDelay(upstream, client, oneWayMs, (chunk) => {
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

/** Forwards chunks in order, each no earlier than `delayMs` after it arrived; ends and errors follow the data. */
function pipeWithDelay(from: Socket, to: Socket, delayMs: number, onChunk: (chunk: Buffer) => void): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let waiting = false;

  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      if (chunk === null) {
        to.end();
        return;
      }
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
    queue.push({ due: performance.now() + delayMs, chunk });
    if (delayMs <= 0) flush();
    else timer ??= setTimeout(flush, delayMs);
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
