/**
 * Runs `work` on every item, at most `concurrency` at once (gc passes, the items of a batch upload).
 * The first failure ends the run: no further item starts, and the call rejects with that failure only
 * once the items in flight have settled, so nothing is still being stored behind a batch upload's 503.
 * An aborted `signal` ends it the same way, with the signal's reason.
 */
export async function inPool<T>(
  items: readonly T[],
  concurrency = 8,
  work: (item: T) => Promise<unknown>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      try {
        signal?.throwIfAborted();
        await work(items[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const failure = outcomes.find((outcome) => outcome.status === "rejected");
  if (failure) throw failure.reason;
}

/**
 * Per-item failures of a pass (a backend hiccup, Redis refusing counter updates at maxmemory): each
 * is counted and the pass goes on, since deleting is what frees space; past MAX_FAILURES the backend
 * is down rather than refusing one thing, and the pass ends.
 */
export class ItemFailures {
  count = 0;
  first: string | undefined;
  tolerate<T>(work: (item: T) => Promise<unknown>): (item: T) => Promise<void> {
    return async (item) => {
      try {
        await work(item);
      } catch (err) {
        this.count++;
        this.first ??= (err as Error).message;
        if (this.count > MAX_FAILURES) throw err;
      }
    };
  }
}

const MAX_FAILURES = 100;
