/** Waits `ms` milliseconds; injectable so tests run without real delays. */
export type Sleep = (ms: number) => Promise<void>;

/** The real {@link Sleep}. */
export const realSleep: Sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/**
 * A client-side rate limit: at most `ratePerSecond` requests per second on average, with bursts of up to
 * `burst`. Cost Explorer throttles bursts with `LimitExceededException`; pacing requests avoids paying for the
 * rejected ones and the backoff that follows.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  /**
   * @param ratePerSecond sustained requests per second
   * @param burst requests allowed back to back
   * @param sleep how to wait
   * @param now clock in milliseconds
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly sleep: Sleep = realSleep,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when one more request may be sent. */
  public async take(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}

/** Error names Cost Explorer and the SDK use for "slow down". */
const THROTTLING = new Set(['LimitExceededException', 'ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded']);

/** Whether an SDK error is throttling or a transient server fault worth retrying. */
export function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name && THROTTLING.has(e.name)) {
    return true;
  }
  const status = e?.$metadata?.httpStatusCode;
  return status === 429 || (typeof status === 'number' && status >= 500);
}

/**
 * Exponential backoff with full jitter: attempt n waits a random time in [0, min(cap, base * 2^n)).
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
