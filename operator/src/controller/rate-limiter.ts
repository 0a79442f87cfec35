// controller-runtime's default rate limiter: the larger of a per-item exponential backoff (5 ms doubling to
// 1000 s, reset by forget) and a global token bucket (10 qps, burst 100) shared by every retried key.

export interface RateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
  now?: () => number;
}

export class RateLimiter {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #qps: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, number>();
  #tokens: number;
  #lastRefill: number;

  constructor(opts: RateLimiterOptions = {}) {
    this.#baseDelayMs = opts.baseDelayMs ?? 5;
    this.#maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    this.#qps = opts.qps ?? 10;
    this.#burst = opts.burst ?? 100;
    this.#now = opts.now ?? Date.now;
    this.#tokens = this.#burst;
    this.#lastRefill = this.#now();
  }

  /** Delay before `key` may be processed again; counts one more failure for it. */
  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const exponential = Math.min(this.#baseDelayMs * 2 ** failures, this.#maxDelayMs);
    return Math.max(exponential, this.#reserveToken());
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Takes a token now or borrows a future one; returns how long until that token exists. */
  #reserveToken(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#lastRefill) / 1000) * this.#qps);
    this.#lastRefill = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }
}
