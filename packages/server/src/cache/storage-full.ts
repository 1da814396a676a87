import { throttledLog } from "../ops/log-throttle.ts";
import type { Logger } from "../ops/logger.ts";
import { isStorageFull, StorageFullError } from "../storage/errors.ts";

/** A report of "full" older than this is dropped when no write has confirmed it since (space may have returned). */
const REPORT_FOR_MS = 60_000;

/**
 * Disk full or quota exceeded is a state, not a bug: each write that hits it becomes a 507 (never a
 * 500 with a stack), one log line per 30 s says so, /readyz reports it, and nothing blocks the next
 * write, so writes resume by themselves as soon as space returns (gc, an operator, a bigger quota).
 */
export class StorageFullWatch {
  private lastFullMs: number | undefined;
  private readonly logFull: (fields: Record<string, unknown>) => void;

  constructor(
    logger: Logger,
    private readonly now: () => number,
  ) {
    this.logFull = throttledLog(logger, "error", "storage full: writes answered 507 until space returns");
  }

  /** Runs a write; a full store marks the state and rethrows as StorageFullError, a success clears it. */
  async watch<T>(write: () => Promise<T>): Promise<T> {
    try {
      const value = await write();
      this.lastFullMs = undefined;
      return value;
    } catch (err) {
      if (!isStorageFull(err)) throw err;
      this.lastFullMs = this.now();
      this.logFull({ err: (err as Error).message });
      throw err instanceof StorageFullError ? err : new StorageFullError((err as Error).message, { cause: err });
    }
  }

  /** True while the last write failed for lack of space, and not long ago. */
  get isFull(): boolean {
    return this.lastFullMs !== undefined && this.now() - this.lastFullMs < REPORT_FOR_MS;
  }
}
