import type { OutputSink } from "../tier.ts";

/**
 * Put bodies past this size are not held: the reader decodes them straight into a temp file in the
 * local tier (an OutputSink, hashed as it is written), and the put renames it into place. Below it,
 * a body is decoded into one Buffer, as cheap as it gets for the many small outputs of every build;
 * above it, memory stays bounded whatever go sends (a test output of gigabytes on a small runner).
 */
export const SPOOL_THRESHOLD_BYTES = 32 * 1024 * 1024;

/**
 * Opens the local tier's sink for one put's body (DiskTier.ingest, with the put's time). The local
 * tier object exists before the session starts (only the tiers around it open later), so a body can
 * spool whichever path serves it.
 */
export type SpoolOpener = (actionId: Buffer, outputId: Buffer, size: number) => OutputSink;

/** Decoded base64 goes through one reused buffer of about a read's size: no Buffer per chunk. */
const SCRATCH_BYTES = 64 * 1024;

/**
 * One body being written to its sink as it arrives. A failure (no room on the disk, more bytes than
 * BodySize) aborts the sink at once, so nothing is left behind, and the rest of the body is read past
 * and dropped: the stream stays in sync and only this put answers Err. Without an opener (a request
 * that will be refused anyway) the whole body is dropped so, with no failure of its own.
 */
export class SpooledBody {
  private sink: OutputSink | undefined;
  private scratch = Buffer.alloc(0);
  private failure: string | undefined;

  constructor(
    open: SpoolOpener | undefined,
    actionId: Buffer,
    outputId: Buffer,
    private readonly size: number,
  ) {
    if (open === undefined) return;
    try {
      this.sink = open(actionId, outputId, size);
    } catch (err) {
      this.fail(`cannot spool the body to disk: ${(err as Error).message}; nothing stored`);
    }
  }

  /** Appends whole base64 quads (the scanner keeps the remainder for the next chunk). */
  write(chars: string): void {
    const sink = this.sink;
    if (sink === undefined) return;
    const length = Buffer.byteLength(chars, "base64");
    if (sink.written + length > this.size) {
      this.fail(`body does not match BodySize ${this.size}`);
      return;
    }
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(Math.max(length, SCRATCH_BYTES));
    const decoded = this.scratch.write(chars, 0, "base64");
    try {
      sink.write(this.scratch.subarray(0, decoded));
    } catch (err) {
      this.fail(`cannot spool the body to disk: ${(err as Error).message}; nothing stored`);
    }
  }

  /** At the closing quote: the sink for the put to finish, or why this put fails (nothing is left on disk). */
  end(): { sink: OutputSink } | { problem: string | undefined } {
    if (this.sink !== undefined && this.sink.written !== this.size) this.fail(`body does not match BodySize ${this.size}`);
    this.scratch = Buffer.alloc(0);
    const sink = this.sink;
    this.sink = undefined;
    return sink === undefined ? { problem: this.failure } : { sink };
  }

  /** The stream broke mid-body: the temp file goes. */
  abort(): void {
    this.sink?.abort();
    this.sink = undefined;
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    this.abort();
  }
}
