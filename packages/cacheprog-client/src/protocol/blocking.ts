import { readSync } from "node:fs";
import { writeFully } from "../ops/fd-write.ts";
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

function wouldBlock(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "EAGAIN";
}

/** go's own pipes, fd 0 and fd 1. go's os/exec hands them over in blocking mode; anything else falls back. */
export function stdioBlocking(): BlockingIo {
  /** go closed its end (it exited early): answers have nowhere to go, which is no error of ours. */
  let gone = false;
  return {
    read(into) {
      for (;;) {
        try {
          return readSync(0, into, 0, into.length, null);
        } catch (err) {
          if (wouldBlock(err)) return -1;
          // Windows reports a closed pipe as an error, not as a read of 0 bytes.
          if ((err as NodeJS.ErrnoException).code === "EOF") return 0;
          // A signal cut the read short: nothing was consumed, ask again.
          if ((err as NodeJS.ErrnoException).code === "EINTR") continue;
          throw err;
        }
      }
    },
    write(text) {
      // As ResponseWriter does with the stream's errors: nothing more once go is gone (EPIPE and the
      // like); a non-blocking pipe that go has not drained yet is waited for.
      if (!gone) gone = !writeFully(1, Buffer.from(text, "utf8"));
    },
  };
}

/**
 * Why the blocking loop stopped: go closed (request id) or hung up; the pipe turned out non-blocking;
 * or a request needs more than an immediate answer (`pending`: it and the rest of its chunk).
 */
export type BlockingOutcome =
  | { end: "close"; closeId: number }
  | { end: "eof" }
  | { end: "would-block"; pending: Request[] }
  | { end: "hand-over"; pending: Request[] };

const CHUNK = 64 * 1024;

/**
 * Reads go's requests with blocking reads and answers each chunk's requests in one write. `answer`
 * must not wait: it returns the encoded response, or undefined for a request it cannot answer at
 * once, which ends the loop ("hand-over"). Throws ProtocolError on a broken stream, as the event-loop
 * path does; after "hand-over" or "would-block" the caller goes on in the event loop with the same scanner.
 */
export function serveBlocking(io: BlockingIo, scanner: RequestScanner, answer: (request: Request) => string | undefined): BlockingOutcome {
  let buffer = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const length = io.read(buffer);
    if (length === -1) return { end: "would-block", pending: [] };
    if (length === 0) {
      scanner.end();
      return { end: "eof" };
    }
    let out = "";
    const requests = scanner.push(buffer.subarray(0, length));
    for (const [i, request] of requests.entries()) {
      const response = request.command === "close" ? undefined : answer(request);
      if (response !== undefined) {
        out += response;
        continue;
      }
      if (out) io.write(out);
      if (request.command === "close") return { end: "close", closeId: request.id };
      return { end: "hand-over", pending: requests.slice(i) };
    }
    if (out) io.write(out);
    // The scanner keeps views of a header cut across chunks: the next read must not overwrite them.
    if (scanner.holdsInput) buffer = Buffer.allocUnsafe(CHUNK);
  }
}
