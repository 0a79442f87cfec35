import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slidingWindowLimiter } from '../../../collector-runtime/src/core/http/rate-limit.ts';
import { virtualClock } from '../../support/virtual-clock.ts';

function maxInAnyWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0; i < times.length; i++) {
    let n = 0;
    for (let j = i; j < times.length && times[j]! < times[i]! + windowMs; j++) n++;
    max = Math.max(max, n);
  }
  return max;
}

test('never admits more than the budget in any window, and uses almost all of it', async () => {
  const clock = virtualClock();
  const limiter = slidingWindowLimiter({ limit: 5, windowMs: 10_000 }, clock);
  const times: number[] = [];
  const start = clock.now();
  for (let i = 0; i < 300; i++) {
    const permit = await limiter.acquire();
    times.push(clock.now());
    clock.advance(30); // the response takes 30 ms
    permit.done();
  }
  assert.equal(maxInAnyWindow(times, 10_000), 5);
  const elapsed = clock.now() - start;
  const allowed = (elapsed / 10_000) * 5 + 5;
  assert.ok(times.length / allowed > 0.95, `used ${times.length} of ${allowed.toFixed(0)} allowed requests`);
});

test('a slot counts from when its response came back, so a slow request cannot crowd the next window', async () => {
  const clock = virtualClock();
  const limiter = slidingWindowLimiter({ limit: 1, windowMs: 1000 }, clock, 0);
  const first = await limiter.acquire();
  const sentAt = clock.now();
  clock.advance(400); // the server may have seen it only now
  first.done();
  await limiter.acquire();
  assert.ok(clock.now() >= sentAt + 1400, 'the next request waits a full window after the response');
});

test('pauseUntil holds every caller until the time a server gave', async () => {
  const clock = virtualClock();
  const limiter = slidingWindowLimiter({ limit: 100, windowMs: 1000 }, clock);
  await limiter.acquire();
  const t0 = clock.now();
  limiter.pauseUntil(t0 + 2500);
  await limiter.acquire();
  assert.ok(clock.now() >= t0 + 2500);
});

test('concurrent callers are served in order without exceeding the budget', async () => {
  const clock = virtualClock();
  const limiter = slidingWindowLimiter({ limit: 3, windowMs: 1000 }, clock, 0);
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: 9 }, () =>
      limiter.acquire().then((p) => {
        times.push(clock.now());
        p.done();
      }),
    ),
  );
  assert.equal(times.length, 9);
  assert.equal(maxInAnyWindow(times, 1000), 3);
});

test('an aborted wait rejects and does not consume budget', async () => {
  const clock = virtualClock();
  const limiter = slidingWindowLimiter({ limit: 1, windowMs: 1000 }, clock);
  await limiter.acquire();
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(limiter.acquire(ac.signal), /stop/);
});
