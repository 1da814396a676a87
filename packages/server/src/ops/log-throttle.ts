import type { Logger } from "./logger.ts";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/**
 * A log line that may repeat thousands of times a second under load or during an outage (a refused
 * request, a backend error): at most one line per interval, carrying how many were suppressed since
 * the last one, so a flood neither fills the disk nor hides that it happened.
 */
export function throttledLog(
  logger: Logger,
  level: LogLevel,
  message: string,
  intervalMs = 30_000,
  now: () => number = Date.now,
): (fields?: Record<string, unknown>) => void {
  let lastMs = -Infinity;
  let suppressed = 0;
  return (fields = {}) => {
    const at = now();
    if (at - lastMs < intervalMs) return void suppressed++;
    logger[level]({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
    lastMs = at;
    suppressed = 0;
  };
}
