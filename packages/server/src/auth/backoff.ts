export interface BackoffOptions {
  /** The first wait after a failure; each further failure in a row doubles it. */
  minMs: number;
  maxMs: number;
  now: () => number;
}

/** What a request gets while its issuer is backed off: no fetch was made for it. */
class IssuerBackoffError extends Error {
  constructor(issuer: string, leftMs: number) {
    super(`issuer ${issuer} failed its last fetch; next try in ${Math.ceil(leftMs / 1000)} s`);
  }
}

/**
 * One issuer's failed fetches (discovery or JWKS). jose shares one JWKS fetch among concurrent
 * requests and waits `cooldownDuration` after a success, but after a failure the next token fetches
 * again at once: with the issuer down, every request carrying one of its tokens would become a
 * request to it. So a failure is remembered for a while (growing while the failures go on, reset
 * by a success), and in that while the fetch is refused here without contacting the issuer.
 */
export class FetchBackoff {
  private failures = 0;
  private untilMs = 0;

  constructor(
    private readonly issuer: string,
    private readonly options: BackoffOptions,
  ) {}

  /** Throws IssuerBackoffError while backing off. */
  check(): void {
    const leftMs = this.untilMs - this.options.now();
    if (leftMs > 0) throw new IssuerBackoffError(this.issuer, leftMs);
  }

  /** The wait it starts, in ms. */
  failed(): number {
    const { minMs, maxMs, now } = this.options;
    // 2 ** failures is capped first so a long outage cannot overflow into Infinity or NaN.
    const waitMs = Math.min(maxMs, minMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    this.untilMs = now() + waitMs;
    return waitMs;
  }

  succeeded(): void {
    this.failures = 0;
    this.untilMs = 0;
  }
}
