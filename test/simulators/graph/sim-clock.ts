// The simulator's notion of time; tests pass their own to make time jump or run faster.

export interface SimClock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: SimClock = { now: () => Date.now() };
