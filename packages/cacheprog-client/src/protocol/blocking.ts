import { readSync, writeSync } from "node:fs";
import type { RequestScanner } from "./reader.ts";
import type { Request } from "./wire.ts";

/**
 * Blocking reads and writes on go's pipes, for a session whose every answer is synchronous (the local
 * tier alone). A Node process normally waits for go in the event loop: libuv's epoll wakes it, the
 * pipe's stream machinery turns the bytes into a 'data' event, and the answer goes back through a
 * socket write request. A read(2) that blocks until go writes, and a write(2) of the answers, is what
 * a Go client does, and costs a fraction of that per request (measured in the README, "The client's
 * own cost").
 */
export interface BlockingIo {
  /** Fills `into` with what go sent; 0 at EOF, -1 when the descriptor is non-blocking and empty. */
  read(into: Buffer): number;
  /** Writes all of `text`, waiting out a full pipe. */
  write(text: string): void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function wouldBlock(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "EAGAIN";
}

/** go's own pipes, fd 0 and fd 1. go's os/exec hands them over in blocking mode; anything else falls back. */
export function stdioBlocking(): BlockingIo {
  return {
    read(into) {
      for (;;) {
        try {
          return readSync(0, into, 0, into.length, null);
        } catch (err) {
          if (wouldBlock(err)) return -1;
          // A signal cut the read short: nothing was consumed, ask again.
          if ((err as NodeJS.ErrnoException).code === "EINTR") continue;
          throw err;
        }
      }
    },
    write(text) {
      let bytes = Buffer.from(text, "utf8");
      while (bytes.length > 0) {
        try {
          bytes = bytes.subarray(writeSync(1, bytes));
        } catch (err) {
          if (!wouldBlock(err)) throw err;
          // A non-blocking pipe that go has not drained yet: wait a little, never spin.
          Atomics.wait(sleeper, 0, 0, 1);
        }
      }
    },
  };
}

/** Why the blocking loop stopped: go closed (request id) or hung up, or the pipe turned out non-blocking. */
export type BlockingOutcome = { end: "close"; closeId: number } | { end: "eof" } | { end: "would-block" };

const CHUNK = 64 * 1024;

/**
 * Reads go's requests with blocking reads and answers each chunk's requests in one write. `answer`
 * must not wait (it returns the encoded response). Throws ProtocolError on a broken stream, as the
 * event-loop path does; on "would-block" the caller goes on with the same scanner in the event loop.
 */
export function serveBlocking(io: BlockingIo, scanner: RequestScanner, answer: (request: Request) => string): BlockingOutcome {
  let buffer = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const length = io.read(buffer);
    if (length === -1) return { end: "would-block" };
    if (length === 0) {
      scanner.end();
      return { end: "eof" };
    }
    let out = "";
    for (const request of scanner.push(buffer.subarray(0, length))) {
      if (request.command === "close") {
        if (out) io.write(out);
        return { end: "close", closeId: request.id };
      }
      out += answer(request);
    }
    if (out) io.write(out);
    // The scanner keeps views of a header cut across chunks: the next read must not overwrite them.
    if (scanner.holdsInput) buffer = Buffer.allocUnsafe(CHUNK);
  }
}
