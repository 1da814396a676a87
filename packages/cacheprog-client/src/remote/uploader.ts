import { settlesWithin } from "@gocacheprog/common";

/**
 * Write-behind uploads: a bounded queue drained by a fixed number of workers. A full queue drops
 * the new job (counted) instead of blocking, because go is waiting on the put that produced it.
 */
export class BoundedUploader<Job> {
  private readonly queue: Job[] = [];
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly work: (job: Job) => Promise<void>,
  ) {}

  /** false when the job was dropped (queue full or draining stopped). */
  offer(job: Job): boolean {
    if (this.stopped || this.queue.length >= this.maxQueued) return false;
    this.queue.push(job);
    this.pump();
    return true;
  }

  get pending(): number {
    return this.queue.length + this.running;
  }

  /**
   * Waits until every queued job has run, or the deadline passes; then stops taking jobs.
   * Returns how many queued jobs were abandoned (jobs already running are not cut short here:
   * their own request deadlines bound them).
   */
  async drain(deadlineMs: number): Promise<number> {
    if (this.pending > 0) await settlesWithin(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), deadlineMs);
    this.stopped = true;
    const abandoned = this.queue.length;
    this.queue.length = 0;
    return abandoned;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      this.running++;
      this.work(job)
        .catch(() => {})
        .finally(() => {
          this.running--;
          this.pump();
          if (this.pending === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }
}
