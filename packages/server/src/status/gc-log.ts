/** The gc passes this replica ran (serve with --gc-interval), newest first. */
export interface GcRun {
  startedAtMs: number;
  durationMs: number;
  /** The pass's report (cache/gc.ts GcReport), or the error that stopped it. */
  report?: unknown;
  error?: string;
}

export class GcLog {
  private readonly runs: GcRun[] = [];

  add(run: GcRun): void {
    this.runs.unshift(run);
    this.runs.length = Math.min(this.runs.length, 10);
  }

  list(): readonly GcRun[] {
    return this.runs;
  }
}
