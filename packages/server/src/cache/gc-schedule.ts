import type { Logger } from "../ops/logger.ts";

/**
 * Runs GC every intervalMs, never two at once; stop() waits for a pass in progress. runSoon() starts
 * a pass now (a write found a budget exceeded), at most once per minSpacingMs: a pass lists the whole
 * store, so a stream of writes over budget must not turn into a stream of passes.
 */
export function scheduleGc(
  run: () => Promise<unknown>,
  intervalMs: number,
  logger: Logger,
  minSpacingMs = Math.min(intervalMs, 60_000),
): { stop(): Promise<void>; runSoon(): void } {
  let running: Promise<unknown> | null = null;
  let lastStartMs = -Infinity;
  let stopped = false;
  const start = () => {
    if (running || stopped) return;
    lastStartMs = Date.now();
    running = run()
      .catch((err) => logger.error({ err }, "scheduled gc failed"))
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
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
