/**
 * Stops calling a remote that keeps failing, so a dead or drowning server costs a build at most a
 * few timeouts instead of one per request. After `openMs` one trial request is let through
 * (half-open); its success closes the breaker again.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request may go out now. A true answer in the half-open state claims the single trial slot. */
  allow(): boolean {
    if (this.consecutiveFailures < this.threshold) return true;
    if (this.now() < this.openUntil || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.trialInFlight = false;
  }

  /**
   * Neither a success nor a failure (a refusal, a slow upload, a local problem): the count is left
   * alone, and a half-open trial slot is freed for the next request.
   */
  released(): void {
    this.trialInFlight = false;
  }

  /** Returns true when this failure is the one that opened the breaker (worth one log line). */
  failed(): boolean {
    this.trialInFlight = false;
    this.consecutiveFailures++;
    if (this.consecutiveFailures < this.threshold) return false;
    const wasClosed = this.openUntil <= this.now() && this.consecutiveFailures === this.threshold;
    this.openUntil = this.now() + this.openMs;
    return wasClosed;
  }

  /** Healthy: not open and not waiting on a half-open trial. Speculative requests go out only then. */
  get isClosed(): boolean {
    return this.consecutiveFailures < this.threshold;
  }

  get isOpen(): boolean {
    return this.consecutiveFailures >= this.threshold && this.now() < this.openUntil;
  }
}
