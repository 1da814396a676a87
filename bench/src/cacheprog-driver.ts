import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { CacheProg } from "./gobuild.ts";

interface Response {
  ID?: number;
  Err?: string;
  KnownCommands?: string[];
}

/**
 * Speaks the GOCACHEPROG protocol the way cmd/go does (JSON header, blank line, base64 body string)
 * to any cache program: used to time start-up to handshake and to fill a server with a recorded
 * build's entries through that system's own client.
 */
export class CacheProgDriver {
  private readonly pending = new Map<number, (response: Response) => void>();
  private nextId = 1;
  private stderr = "";
  private exited = false;
  private drained: Promise<unknown> | undefined;
  private readonly exitPromise: Promise<void>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly handshakeMs: number,
    private readonly lines: AsyncIterator<string>,
  ) {
    this.exitPromise = once(child, "close").then(() => {
      this.exited = true;
    });
    void this.readResponses();
  }

  static async start(prog: CacheProg, env: NodeJS.ProcessEnv): Promise<CacheProgDriver> {
    const [command, ...args] = prog.argv;
    const started = performance.now();
    const child = spawn(command!, args, { env: { ...env, ...prog.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-8192);
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const spawnFailed = once(child, "error").then(([err]) => {
      throw err;
    });
    spawnFailed.catch(() => {});
    const first = await Promise.race([lines.next(), spawnFailed]);
    const handshakeMs = performance.now() - started;
    if (first.done) throw new Error(`${prog.argv.join(" ")} closed stdout before its handshake:\n${stderr}`);
    const hello = JSON.parse(first.value) as Response;
    if (!hello.KnownCommands?.includes("put")) throw new Error(`${prog.argv[0]} does not offer put: ${first.value}`);
    const driver = new CacheProgDriver(child, handshakeMs, lines);
    driver.stderr = stderr;
    child.stderr.on("data", (chunk: Buffer) => {
      driver.stderr = (driver.stderr + chunk.toString("utf8")).slice(-8192);
    });
    return driver;
  }

  private async readResponses(): Promise<void> {
    for (;;) {
      const next = await this.lines.next();
      if (next.done) break;
      if (next.value.trim() === "") continue;
      const response = JSON.parse(next.value) as Response;
      const resolve = this.pending.get(response.ID ?? 0);
      this.pending.delete(response.ID ?? 0);
      resolve?.(response);
    }
    for (const resolve of this.pending.values()) resolve({ Err: `cache program exited:\n${this.stderr}` });
    this.pending.clear();
  }

  private async send(header: Record<string, unknown>, body?: Buffer): Promise<Response> {
    const id = this.nextId++;
    const answered = new Promise<Response>((resolve) => this.pending.set(id, resolve));
    let text = `${JSON.stringify({ ID: id, ...header })}\n\n`;
    if (body && body.length > 0) text += `"${body.toString("base64")}"\n`;
    if (!this.child.stdin.write(text)) {
      // One listener shared by every writer waiting on the same full pipe.
      this.drained ??= once(this.child.stdin, "drain").then(() => {
        this.drained = undefined;
      });
      await this.drained;
    }
    return answered;
  }

  async put(actionHex: string, outputHex: string, body: Buffer): Promise<void> {
    const header: Record<string, unknown> = {
      Command: "put",
      ActionID: Buffer.from(actionHex, "hex").toString("base64"),
      OutputID: Buffer.from(outputHex, "hex").toString("base64"),
    };
    if (body.length > 0) header["BodySize"] = body.length;
    const response = await this.send(header, body);
    if (response.Err) throw new Error(`put ${actionHex} failed: ${response.Err}`);
  }

  /** Sends close (the child drains its uploads before exiting) and waits for the process to end. */
  async close(): Promise<string> {
    if (!this.exited) {
      await this.send({ Command: "close" });
      this.child.stdin.end();
    }
    await this.exitPromise;
    return this.stderr;
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

/** Runs `work` with at most `limit` promises in flight. */
export async function withConcurrency<T>(items: Iterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let firstError: unknown;
  for (const item of items) {
    if (firstError !== undefined) break;
    const task: Promise<void> = work(item)
      .catch((err: unknown) => {
        firstError ??= err;
      })
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (firstError !== undefined) throw firstError;
}
