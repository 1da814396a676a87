import type { AddressInfo } from "node:net";
import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay in front of a server that can make every connection open now die unannounced: the
 * next bytes a client sends on one are answered with a reset, no FIN before. That is what a client
 * meets after a restart or a replaced replica behind a load balancer (the balancer's or the new
 * host's kernel resets what it no longer knows), and in the race where the server closes an idle
 * keep-alive connection as the client sends its next request on it.
 */
export interface DyingConnections {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Requests that met a dead connection (and got a reset). */
  resets: number;
  /**
   * Every connection open now dies at its next request (an answer on its way still arrives); new
   * ones are relayed as usual.
   */
  killOpenConnections(): void;
  /** Resolves once every request relayed so far has had (the start of) its answer. */
  answered(): Promise<void>;
  close(): Promise<void>;
}

export async function startDyingConnections(upstream: string): Promise<DyingConnections> {
  const target = new URL(upstream);
  const open = new Set<{ client: Socket; dead: boolean; waiting: boolean }>();
  const relay: DyingConnections = {
    url: "",
    connections: 0,
    resets: 0,
    killOpenConnections: () => {
      for (const c of open) c.dead = true;
    },
    answered: async () => {
      while ([...open].some((c) => c.waiting)) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    close: async () => {},
  };
  const server: Server = createServer((client) => {
    relay.connections++;
    const conn = { client, dead: false, waiting: false };
    open.add(conn);
    const backend = createConnection({ host: target.hostname, port: Number(target.port) });
    client.on("data", (chunk: Buffer) => {
      if (!conn.dead) {
        conn.waiting = true;
        backend.write(chunk);
        return;
      }
      relay.resets++;
      backend.destroy();
      client.resetAndDestroy();
    });
    backend.on("data", (chunk: Buffer) => {
      conn.waiting = false;
      client.write(chunk);
    });
    const end = () => {
      open.delete(conn);
      client.destroy();
      backend.destroy();
    };
    client.on("close", end);
    backend.on("close", end);
    client.on("error", () => {});
    backend.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  relay.close = async () => {
    for (const c of open) c.client.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return relay;
}
