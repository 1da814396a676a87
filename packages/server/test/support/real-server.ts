import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { headers, routes, sha256Hex } from "@gocacheprog/common";
import { parseCommandLine, type ServerOptions } from "../../src/ops/config.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { type RunningServer, startServer } from "../../src/server.ts";
import { LogCapture } from "./fakes.ts";

const PACKAGE_ROOT = join(import.meta.dirname, "..", "..");

/** A real server on a free loopback port, wired exactly like `gocacheprog-server serve`. */
export async function startTestServer(argv: string[] = []): Promise<RunningServer & { options: ServerOptions; logs: LogCapture }> {
  const dataDir = await mkdtemp(join(tmpdir(), "gcp-server-"));
  const { options } = parseCommandLine(["--listen", "127.0.0.1:0", "--data-dir", dataDir, "--gc-interval", "0", ...argv], {});
  const logs = new LogCapture();
  const server = await startServer(options, createLogger("debug", logs));
  return Object.assign(server, { options, logs });
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Plain node:http so tests control Content-Length and streaming exactly; rejects if the body is cut. */
export function send(
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: AsyncIterable<Uint8Array> | Uint8Array } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("response aborted")));
      res.on("end", () =>
        res.complete
          ? resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })
          : reject(new Error("response incomplete")),
      );
    });
    req.on("error", reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (body instanceof Uint8Array) req.end(body);
    else
      (async () => {
        for await (const chunk of body) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
        req.end();
      })().catch((err) => req.destroy(err));
  });
}

export function putOutput(url: string, actionHex: string, data: Uint8Array, extra: Record<string, string> = {}): Promise<Reply> {
  return send(url, "PUT", routes.action(actionHex), {
    headers: { [headers.outputId]: sha256(data), "content-length": String(data.length), ...extra },
    body: chunks(data),
  });
}

export async function* chunks(data: Uint8Array, size = 256 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export const sha256 = sha256Hex;
export const randomId = () => randomBytes(32).toString("hex");

/**
 * Bundles the bin the way `npm run build` does, into a private directory under dist/ (so node_modules
 * still resolve) because test files run in parallel and must not race on dist/main.js.
 */
export async function buildTestBin(): Promise<{ main: string; remove(): Promise<void> }> {
  const dir = join(PACKAGE_ROOT, "dist", `.test-${process.pid}-${randomBytes(4).toString("hex")}`);
  const main = join(dir, "main.js");
  await promisify(execFile)(process.execPath, [join(PACKAGE_ROOT, "scripts", "build.mjs"), "--outfile", main]);
  return { main, remove: () => rm(dir, { recursive: true, force: true }) };
}
