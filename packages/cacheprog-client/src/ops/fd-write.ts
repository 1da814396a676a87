import { writeSync } from "node:fs";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `bytes` to `fd` with write(2), waiting out a full non-blocking pipe (1 ms at a time,
 * never spinning) until `giveUpAt` (performance.now()). false when the bytes could not all go: the
 * reader is gone (EPIPE and the like) or the wait ran out.
 */
export function writeFully(fd: number, bytes: Uint8Array, giveUpAt = Number.POSITIVE_INFINITY): boolean {
  let rest = bytes;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EINTR") continue;
      if (code !== "EAGAIN" || performance.now() >= giveUpAt) return false;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
  return true;
}

/** Longest a line to stderr waits for a full pipe before it is dropped. */
const STDERR_PATIENCE_MS = 1000;

/**
 * A line to fd 2 with write(2), never through process.stderr. go hands the client its own stderr,
 * shared with go and with whatever go runs meanwhile (go run, go generate, go tool), and node opens a
 * pipe there in non-blocking mode, a flag of the shared file: their writes to a full pipe would fail
 * with EAGAIN and their output be lost. A pipe left non-blocking by someone else is waited out for at
 * most a second, then the line is dropped: a log line never holds go up for long.
 */
export function writeStderr(text: string): void {
  writeFully(2, Buffer.from(text, "utf8"), performance.now() + STDERR_PATIENCE_MS);
}
