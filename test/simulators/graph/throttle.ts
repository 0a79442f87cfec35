// Graph's per-app-per-tenant request budgets as sliding windows over arrival time. Only admitted
// requests use up budget, so the Retry-After sent with a 429 is exactly when a slot frees up.

import type { ThrottleGroup } from './endpoints.ts';

export interface ThrottleBudget {
  readonly limit: number;
  readonly windowMs: number;
}

/** docs/sources/microsoft-graph.md "Budgets": identity reports 5 per 10 s; security 150 per minute. */
export const THROTTLE_BUDGETS: Readonly<Record<ThrottleGroup, ThrottleBudget>> = {
  identity: { limit: 5, windowMs: 10_000 },
  security: { limit: 150, windowMs: 60_000 },
};

export type ThrottleDecision =
  { readonly admitted: true } | { readonly admitted: false; readonly retryAfterMs: number };

/** Budgets by group name; the Graph groups unless a simulator gives its own. */
export class SlidingWindowThrottle<G extends string = ThrottleGroup> {
  readonly #budgets: Readonly<Record<string, ThrottleBudget>>;
  readonly #arrivals = new Map<string, number[]>();

  constructor(budgets?: Readonly<Record<G, ThrottleBudget>>) {
    this.#budgets = budgets ?? THROTTLE_BUDGETS;
  }

  /** `key` identifies the tenant and app; the group's budget is shared by all its endpoints. */
  admit(group: G, key: string, now: number): ThrottleDecision {
    const { limit, windowMs } = this.#budgets[group]!;
    const id = `${group}\u0000${key}`;
    let arrivals = this.#arrivals.get(id);
    if (arrivals === undefined) {
      arrivals = [];
      this.#arrivals.set(id, arrivals);
    }
    while (arrivals.length > 0 && (arrivals[0] ?? 0) <= now - windowMs) arrivals.shift();
    if (arrivals.length < limit) {
      arrivals.push(now);
      return { admitted: true };
    }
    // The oldest admitted request leaves the window at oldest + windowMs.
    const oldest = arrivals[0] ?? now;
    return { admitted: false, retryAfterMs: Math.max(1, oldest + windowMs - now) };
  }
}

/** Seconds with up to millisecond precision and no trailing zeros: 1250 ms -> "1.25". */
export function formatRetryAfter(ms: number): string {
  return String(Math.ceil(ms) / 1000);
}
