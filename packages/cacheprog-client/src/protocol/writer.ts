import { once } from "node:events";
import type { Writable } from "node:stream";

/**
 * The single owner of stdout. Responses are queued and written in batches: everything sent in one
 * turn of the event loop (all the answers to one chunk of requests) leaves in one write, once the
 * current callback's ticks and microtasks have run, and nothing is written while the pipe is full, so a slow
 * reader on the go side cannot make the stream buffer without bound.
 */
export class ResponseWriter {
  private queue: string[] = [];
  private flushQueued = false;
  private waitingForDrain = false;
  private failed = false;
  private readonly flushNow = () => {
    this.flushQueued = false;
    this.flush();
  };

  constructor(private readonly out: Writable) {
    // go exiting early closes the pipe; the write errors are expected then and must not crash us.
    out.on("error", () => {
      this.failed = true;
      this.queue = [];
    });
  }

  send(line: string): void {
    if (this.failed) return;
    this.queue.push(line);
    if (!this.flushQueued && !this.waitingForDrain) {
      this.flushQueued = true;
      // nextTick, not queueMicrotask (which wraps each callback in an AsyncResource): it still runs
      // after the promise callbacks of this turn, so their answers join the batch.
      process.nextTick(this.flushNow);
    }
  }

  /** Hands over whatever is still queued, ends the stream and waits until it is flushed. */
  async end(): Promise<void> {
    if (this.failed || this.out.writableEnded) return;
    const finished = once(this.out, "finish").catch(() => {});
    this.out.end(this.queue.join(""));
    this.queue = [];
    await finished;
  }

  private flush(): void {
    if (this.queue.length === 0 || this.failed || this.out.writableEnded) return;
    const batch = this.queue.length === 1 ? (this.queue[0] as string) : this.queue.join("");
    this.queue = [];
    if (!this.out.write(batch)) {
      this.waitingForDrain = true;
      this.out.once("drain", () => {
        this.waitingForDrain = false;
        this.flush();
      });
    }
  }
}
