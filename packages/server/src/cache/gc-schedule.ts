import type { Logger } from "../ops/logger.ts";

/**
 * Runs GC every intervalMs, never two at once. runSoon() starts a pass now (a write found a budget
 * exceeded), at most once per minSpacingMs: a pass lists the whole store, so a stream of writes over
 * budget must not turn into a stream of passes. stop() aborts the signal a pass in progress was given
 * and waits for it to end: a shutdown waits for one backend call of gc, not for a pass over the store.
 */
export function scheduleGc(
  run: (signal: AbortSignal) => Promise<unknown>,
  intervalMs: number,
  logger: Logger,
  minSpacingMs = Math.min(intervalMs, 60_000),
): { stop(): Promise<void>; runSoon(): void } {
  let running: Promise<unknown> | null = null;
  let lastStartMs = -Infinity;
  const stopping = new AbortController();
  const start = () => {
    if (running || stopping.signal.aborted) return;
    lastStartMs = Date.now();
    running = run(stopping.signal)
      .catch((err) => {
        if (stopping.signal.aborted) logger.info("gc pass stopped for shutdown; the next pass does the rest");
        else logger.error({ err }, "scheduled gc failed");
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(start, intervalMs);
  timer.unref();
  return {
    runSoon() {
      if (Date.now() - lastStartMs >= minSpacingMs) start();
    },
    async stop() {
      stopping.abort();
      clearInterval(timer);
      await running;
    },
  };
}
