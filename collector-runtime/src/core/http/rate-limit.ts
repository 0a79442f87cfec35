// "At most N requests in any window of W ms", the way Graph states its budgets. A token bucket would
// allow a burst of N right after N spread requests (2N per window) and earn 429s; a sliding log cannot.
import type { Clock } from '../clock.ts';

export interface RateLimiter {
  /** Waits until one more request fits the budget, then takes it. Returns the time waited (ms). */
  acquire(signal?: AbortSignal): Promise<number>;
  /** Holds every caller until `untilMs` (a server said Retry-After). */
  pauseUntil(untilMs: number): void;
}

export function slidingWindowLimiter(
  budget: { limit: number; windowMs: number },
  clock: Clock,
  // Requests travel: keep a small margin so arrival times at the server also respect the window.
  marginMs = Math.min(250, budget.windowMs * 0.02),
): RateLimiter {
  const sent: number[] = []; // send times, oldest first, at most `limit` kept
  let pausedUntil = 0;
  let queue: Promise<unknown> = Promise.resolve();

  async function take(signal?: AbortSignal): Promise<number> {
    const start = clock.now();
    for (;;) {
      const now = clock.now();
      let readyAt = pausedUntil;
      if (sent.length >= budget.limit) readyAt = Math.max(readyAt, sent[0]! + budget.windowMs + marginMs);
      if (readyAt <= now) break;
      await clock.sleep(readyAt - now, signal);
    }
    sent.push(clock.now());
    if (sent.length > budget.limit) sent.shift();
    return clock.now() - start;
  }

  return {
    acquire(signal) {
      // One waiter at a time keeps the order fair and the log consistent.
      const turn = queue.then(() => take(signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
    pauseUntil(untilMs) {
      pausedUntil = Math.max(pausedUntil, untilMs);
    },
  };
}
