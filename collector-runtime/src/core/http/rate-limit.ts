// "At most N requests in any window of W ms", the way Graph states its budgets. A token bucket would
// allow a burst of N right after N spread requests (2N per window) and earn 429s; a sliding log cannot.
// The server counts arrival times, which we cannot see: each slot is stamped with the time its response
// came back (the latest the request can have arrived), so network and event-loop delays never make
// two requests look closer together to the server than to us.
import type { Clock } from '../clock.ts';

export interface Permit {
  /** How long the caller waited for the budget (ms). */
  waitedMs: number;
  /** Call when the response (or a failure) came back: stamps the slot with that time. */
  done(): void;
}

export interface RateLimiter {
  /** Waits until one more request fits the budget, then takes a slot. */
  acquire(signal?: AbortSignal): Promise<Permit>;
  /** Holds every caller until `untilMs` (a server said Retry-After). */
  pauseUntil(untilMs: number): void;
}

export function slidingWindowLimiter(
  budget: { limit: number; windowMs: number },
  clock: Clock,
  // A small extra gap absorbs clock granularity.
  marginMs = Math.min(200, budget.windowMs * 0.02),
): RateLimiter {
  const slots: { at: number }[] = []; // the last `limit` requests, oldest first
  let pausedUntil = 0;
  let queue: Promise<unknown> = Promise.resolve();

  async function take(signal?: AbortSignal): Promise<Permit> {
    const start = clock.now();
    for (;;) {
      const now = clock.now();
      let readyAt = pausedUntil;
      if (slots.length >= budget.limit)
        readyAt = Math.max(readyAt, slots[0]!.at + budget.windowMs + marginMs);
      if (readyAt <= now) break;
      await clock.sleep(readyAt - now, signal);
    }
    const slot = { at: clock.now() };
    slots.push(slot);
    if (slots.length > budget.limit) slots.shift();
    return {
      waitedMs: slot.at - start,
      done: () => {
        slot.at = Math.max(slot.at, clock.now());
      },
    };
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
