import { rmSync } from "node:fs";

/**
 * Removes a test's scratch directory. A go run with HOME inside it leaves a detached telemetry
 * child that may still be writing under .config/go/telemetry when go itself has exited, so one
 * pass of rm can meet ENOTEMPTY (seen in CI); Node retries that with a growing delay (up to ~5 s).
 */
export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}
