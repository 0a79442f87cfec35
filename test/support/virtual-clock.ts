// A clock whose sleep() jumps time forward at once: sequential code that waits runs instantly, and the
// order of events is exactly what real time would give.
import type { Clock } from '../../collector-runtime/src/core/clock.ts';

export function virtualClock(
  start = Date.parse('2026-01-01T00:00:00Z'),
): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      now += Math.max(0, ms);
      // Yield to the event loop as a real sleep does: a loop whose pulls need no I/O (nothing to do)
      // would otherwise spin on microtasks and starve every timer and socket of the process.
      await new Promise((resolve) => setImmediate(resolve));
    },
    advance(ms) {
      now += ms;
    },
  };
}
