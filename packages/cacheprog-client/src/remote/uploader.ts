import { settlesWithin } from "@gocacheprog/common";

/**
 * Write-behind uploads: a bounded queue drained by a fixed number of workers. A full queue drops
 * the new job (counted) instead of blocking, because go is waiting on the put that produced it.
 * The bound counts outputs: a batch of them weighs as many as it carries.
 */
export class BoundedUploader<Job> {
  private readonly queue: { job: Job; weight: number }[] = [];
  private queuedWeight = 0;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly work: (job: Job) => Promise<void>,
  ) {}

  /** false when the job was dropped (queue full or draining stopped). */
  offer(job: Job, weight = 1): boolean {
    if (this.stopped || (this.queue.length > 0 && this.queuedWeight + weight > this.maxQueued)) return false;
    this.queue.push({ job, weight });
    this.queuedWeight += weight;
    this.pump();
    return true;
  }

  get pending(): number {
    return this.queue.length + this.running;
  }

  /**
   * Waits until every queued job has run, or the deadline passes; then stops taking jobs.
   * Returns how many queued outputs were abandoned (jobs already running are not cut short here:
   * their own request deadlines bound them).
   */
  async drain(deadlineMs: number): Promise<number> {
    if (this.pending > 0) await settlesWithin(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), deadlineMs);
    this.stopped = true;
    const abandoned = this.queuedWeight;
    this.queue.length = 0;
    this.queuedWeight = 0;
    return abandoned;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const { job, weight } = this.queue.shift()!;
      this.queuedWeight -= weight;
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
