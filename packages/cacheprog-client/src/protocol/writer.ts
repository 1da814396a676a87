import { once } from "node:events";
import type { Writable } from "node:stream";

/**
 * The single owner of stdout. Responses are queued and written in batches, holding back while the
 * pipe is full so a slow reader on the go side cannot make the stream buffer without bound.
 */
export class ResponseWriter {
  private queue: string[] = [];
  private waitingForDrain = false;
  private failed = false;

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
    if (!this.waitingForDrain) this.flush();
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
    if (this.queue.length === 0 || this.failed) return;
    const batch = this.queue.join("");
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
