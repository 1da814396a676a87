import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { connect } from "node:net";
import { settlesWithin } from "@gocacheprog/common";

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

/** Child servers must not outlive the test process, even when a test forgets to stop them. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Deletes `dir` when the test process exits, in case the test never cleaned up. */
export function removeOnExit(dir: string): void {
  installExitHook();
  tempDirs.add(dir);
}

export interface SpawnedServer {
  child: ChildProcess;
  /** Everything the process wrote, for error messages when it dies or never answers. */
  output(): string;
}

export function spawnServer(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): SpawnedServer {
  installExitHook();
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8192);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  running.add(child);
  child.once("exit", () => running.delete(child));
  return { child, output: () => output };
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends `signal` and resolves once the process is gone. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  child.kill("SIGCONT"); // a paused (SIGSTOPped) server only acts on the signal once it runs again
  if (await settlesWithin(exited, 10_000)) return;
  child.kill("SIGKILL");
  await exited;
}

/** SIGSTOP, resolving once the kernel reports every thread of the process stopped. */
export async function pauseProcess(child: ChildProcess): Promise<void> {
  child.kill("SIGSTOP");
  const pid = child.pid;
  if (pid === undefined) return;
  for (let i = 0; i < 200; i++) {
    const states = await readdir(`/proc/${pid}/task`)
      .then((tasks) => Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/stat`, "utf8"))))
      .catch(() => null);
    if (states === null || states.every((stat) => /^\d+ \(.*\) [Tt] /s.test(stat))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls `probe` until it resolves true; fails early with the server's output when it exits. */
export async function waitUntil(what: string, server: SpawnedServer, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hasExited(server.child)) {
      throw new Error(`${what} exited with code ${server.child.exitCode} before answering:\n${server.output()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      server.child.kill("SIGKILL");
      throw new Error(`${what} did not answer within ${timeoutMs} ms:\n${server.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens a TCP connection, writes `request` and resolves with what comes back first. */
export async function tcpExchange(port: number, request: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error("timed out")));
    socket.once("error", reject);
    socket.once("connect", () => socket.write(request));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString("utf8"));
    });
  });
}
