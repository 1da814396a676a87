import fs from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import type { ModuleFixture } from "./module-fixture.ts";
import { getFreePort } from "./ports.ts";

/**
 * A module proxy on loopback serving the fixture (GOPROXY layout plus a checksum database), the
 * upstream gocacheprog-server fills from. It counts every request by path and can misbehave on
 * purpose for one path: a corrupt or truncated body, a 500, or an answer held until released.
 */

export type Fault = "corrupt" | "truncate" | "error";

export interface ModuleUpstream {
  url: string;
  /** Requests received for `file` (a path below the root, e.g. "github.com/google/uuid/@v/v1.6.0.zip"). */
  count(file: string): number;
  /** Requests received in all. */
  total(): number;
  /** Misbehave on every request for `file` until cleared with fault(file, null). */
  fault(file: string, fault: Fault | null): void;
  /** Answer `file` with `data` (a file the fixture lacks, such as a module's @latest); null goes back to the fixture. */
  serve(file: string, data: string | Buffer | null): void;
  /** Hold answers for `file` until the returned function is called. */
  hold(file: string): () => void;
  /** Stop listening and cut open connections (a dead upstream), then start() again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const CONTENT_TYPES: [RegExp, string][] = [
  [/\.zip$/, "application/zip"],
  [/\.info$/, "application/json"],
  [/\/tile\/\d+\/\d+\//, "application/octet-stream"],
];

export async function startModuleUpstream(fixture: ModuleFixture): Promise<ModuleUpstream> {
  const port = await getFreePort();
  const counts = new Map<string, number>();
  const faults = new Map<string, Fault>();
  const holds = new Map<string, Promise<void>>();
  const served = new Map<string, Buffer>();
  let server: Server | undefined;
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const file = decodeURIComponent(new URL(req.url ?? "/", "http://upstream").pathname.slice(1));
    counts.set(file, (counts.get(file) ?? 0) + 1);
    await holds.get(file);
    const root = file.startsWith("sumdb/") ? fixture.sumdbRoot : fixture.proxyDir;
    const onDisk = path.resolve(root, file);
    const given = served.get(file);
    if (!given && (!onDisk.startsWith(root + path.sep) || !fs.existsSync(onDisk) || !fs.statSync(onDisk).isFile())) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${file}\n`);
      return;
    }
    const data = given ?? fs.readFileSync(onDisk);
    const type = CONTENT_TYPES.find(([re]) => re.test(file))?.[1] ?? "text/plain; charset=utf-8";
    const fault = faults.get(file);
    if (fault === "error") {
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("upstream exploded\n");
    } else if (fault === "corrupt") {
      // Same length, different bytes: only a content check can tell.
      const garbage = Buffer.from(data.map((b, i) => (i % 7 === 3 ? b ^ 0x5a : b)));
      res.writeHead(200, { "content-type": type, "content-length": garbage.length }).end(garbage);
    } else if (fault === "truncate") {
      res.writeHead(200, { "content-type": type, "content-length": data.length });
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => res.socket?.destroy());
    } else {
      res.writeHead(200, { "content-type": type, "content-length": data.length }).end(data);
    }
  }

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((req, res) => {
        handle(req, res).catch((err: Error) => res.writeHead(500).end(err.message));
      });
      s.on("connection", (socket) => {
        sockets.add(socket);
        socket.once("close", () => sockets.delete(socket));
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server = undefined;
    });

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    count: (file) => counts.get(file) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    fault: (file, fault) => {
      if (fault) faults.set(file, fault);
      else faults.delete(file);
    },
    serve: (file, data) => {
      if (data === null) served.delete(file);
      else served.set(file, Buffer.from(data));
    },
    hold: (file) => {
      let release = () => {};
      holds.set(
        file,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return () => {
        holds.delete(file);
        release();
      };
    },
    stop,
    start,
    close: stop,
  };
}
