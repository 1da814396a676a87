import { withDeadline } from "@gocacheprog/common";
import type { ServerMetrics } from "../ops/metrics.ts";
import type { BlobBody } from "../storage/blob/types.ts";
import { BackendUnavailableError } from "../storage/errors.ts";

/**
 * Every blob store and index call on the request path goes through here: it gets a deadline
 * (--backend-timeout) and a latency sample. At the deadline the call's AbortSignal fires: the blob
 * store's reads (S3 requests, file reads) are cancelled with it, so a flood of late calls does not
 * keep sockets, buffers and S3 requests busy after their callers have given up. Calls that cannot be
 * cancelled (the index: ioredis and lmdb take no signal) are abandoned, and a stream one opens late
 * is destroyed here instead of leaking a socket or file descriptor. Uploads are not timed: their
 * duration depends on the client.
 */
export class StorageCalls {
  constructor(
    private readonly metrics: ServerMetrics,
    private readonly timeoutMs: number,
  ) {}

  blob<T>(op: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.timed("blob", op, call);
  }

  index<T>(op: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.timed("index", op, call);
  }

  private async timed<T>(backend: "blob" | "index", op: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const end = this.metrics.backendSeconds.startTimer({ backend, op });
    const controller = new AbortController();
    const late = () => {
      const error = new BackendUnavailableError(`${backend} ${op} took longer than ${this.timeoutMs} ms`);
      controller.abort(error);
      return error;
    };
    try {
      const value = await withDeadline(call(controller.signal), this.timeoutMs, late, destroyLateStream);
      end({ outcome: "ok" });
      return value;
    } catch (err) {
      end({ outcome: err instanceof BackendUnavailableError ? "unavailable" : "error" });
      throw err;
    }
  }
}

function destroyLateStream(value: unknown): void {
  const body = (value as { body?: BlobBody } | null)?.body;
  body?.destroy?.();
}
