import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const BIN = join(PACKAGE_DIR, "dist", "gocacheprog.cjs");

export function buildBin(): void {
  execFileSync(process.execPath, [join(PACKAGE_DIR, "scripts", "build.mjs")], { stdio: "inherit" });
}

export const sha256 = (data: Uint8Array): Buffer => createHash("sha256").update(data).digest();
export const b64 = (data: Uint8Array): string => Buffer.from(data).toString("base64");
export const idOf = (seed: string): Buffer => sha256(Buffer.from(seed));

/** Exactly the bytes cmd/go's writeToChild produces: JSON, a blank line, then the body string only if non-empty. */
export function getRequest(id: number, actionId: Buffer): string {
  return `${JSON.stringify({ ID: id, Command: "get", ActionID: b64(actionId) })}\n\n`;
}

export function putRequest(id: number, actionId: Buffer, body: Buffer, outputId: Buffer = sha256(body), field = "OutputID"): string {
  const header: Record<string, unknown> = { ID: id, Command: "put", ActionID: b64(actionId), [field]: b64(outputId) };
  if (body.length > 0) header.BodySize = body.length;
  const head = `${JSON.stringify(header)}\n\n`;
  return body.length > 0 ? `${head}"${b64(body)}"\n` : head;
}

export const closeRequest = (id: number): string => `${JSON.stringify({ ID: id, Command: "close" })}\n\n`;

export interface WireResponse {
  ID: number;
  Err?: string;
  KnownCommands?: string[];
  Miss?: boolean;
  OutputID?: string;
  Size?: number;
  Time?: string;
  DiskPath?: string;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  responses: WireResponse[];
}

/** The real bin on real pipes; every stdout line must parse as JSON or the session records it. */
export class BinSession {
  readonly child: ChildProcessWithoutNullStreams;
  readonly responses: WireResponse[] = [];
  readonly nonJson: string[] = [];
  stdout = "";
  stderr = "";
  private pending = "";
  private waiters: Array<() => void> = [];
  private readonly exited: Promise<number | null>;

  constructor(env: Record<string, string | undefined>, args: string[] = []) {
    this.child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (text: string) => this.onStdout(text));
    this.child.stderr.on("data", (text: string) => {
      this.stderr += text;
    });
    this.child.stdin.on("error", () => {}); // the bin may exit before reading everything (malformed input)
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }

  write(text: string | Buffer): void {
    this.child.stdin.write(text);
  }

  /** Resolves once `count` responses (handshake included) have arrived. */
  async waitForResponses(count: number): Promise<WireResponse[]> {
    while (this.responses.length < count) {
      const progressed = new Promise<void>((resolve) => this.waiters.push(resolve));
      const ended = this.exited.then(() => {
        throw new Error(`bin exited after ${this.responses.length} responses, wanted ${count}; stderr: ${this.stderr}`);
      });
      await Promise.race([progressed, ended]);
    }
    return this.responses.slice(0, count);
  }

  async finish(input?: string | Buffer): Promise<Finished> {
    if (input !== undefined) this.child.stdin.write(input);
    this.child.stdin.end();
    const code = await this.exited;
    return { code, stdout: this.stdout, stderr: this.stderr, responses: this.responses };
  }

  private onStdout(text: string): void {
    this.stdout += text;
    this.pending += text;
    let newline = this.pending.indexOf("\n");
    while (newline !== -1) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      if (line.trim() !== "") {
        try {
          this.responses.push(JSON.parse(line) as WireResponse);
        } catch {
          this.nonJson.push(line);
        }
      }
      newline = this.pending.indexOf("\n");
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/** One whole session: write everything, close stdin, wait for exit. */
export function runBin(env: Record<string, string | undefined>, input: string | Buffer, args: string[] = []): Promise<Finished> {
  return new BinSession(env, args).finish(input);
}

export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else found.push(path);
    }
  };
  await walk(dir);
  return found.sort();
}

export function byId(responses: WireResponse[]): Map<number, WireResponse> {
  const map = new Map<number, WireResponse>();
  for (const r of responses) {
    if (map.has(r.ID)) throw new Error(`response ID ${r.ID} answered twice`);
    map.set(r.ID, r);
  }
  return map;
}

/** Starts a test server on a free loopback port; its base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops a test server, cutting the connections it still has. */
export async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
