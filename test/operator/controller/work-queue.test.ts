import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiter } from '../../../operator/src/controller/rate-limiter.ts';
import { WorkQueue, type ReconcileResult } from '../../../operator/src/controller/work-queue.ts';
import { OperatorError } from '../../../operator/src/errors.ts';
import { waitFor } from '../../support/wait.ts';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('WorkQueue', () => {
  test('coalesces adds of a waiting key into one run', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => void runs.push(k), { workers: 1 });
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    q.start();
    await waitFor('runs.length === 2', () => runs.length === 2, 2000, 2);
    await sleep(10);
    assert.deepEqual(runs, ['a', 'b']);
    await q.shutdown(100);
  });

  test('a key re-added while it is processed runs once more afterwards, never concurrently', async () => {
    const gate = deferred();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        if (runs === 1) await gate.promise;
        active--;
      },
      { workers: 4 },
    );
    q.start();
    q.add('a');
    await waitFor('runs === 1', () => runs === 1, 2000, 2);
    q.add('a');
    q.add('a');
    await sleep(10);
    assert.equal(runs, 1, 'not started again while in flight');
    gate.resolve();
    await waitFor('runs === 2', () => runs === 2, 2000, 2);
    await sleep(10);
    assert.equal(runs, 2);
    assert.equal(maxActive, 1);
    await q.shutdown(100);
  });

  test('runs at most `workers` keys at once', async () => {
    const gate = deferred();
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await gate.promise;
        active--;
      },
      { workers: 2 },
    );
    q.start();
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await waitFor('active === 2', () => active === 2, 2000, 2);
    assert.equal(q.depth, 2);
    gate.resolve();
    await waitFor('active === 0 && q.depth === 0', () => active === 0 && q.depth === 0, 2000, 2);
    assert.equal(maxActive, 2);
    await q.shutdown(100);
  });

  test('failures come back with growing backoff; success resets it; terminal errors do not come back', async () => {
    const times: number[] = [];
    let fail = 3;
    const q = new WorkQueue(
      async () => {
        times.push(performance.now());
        if (fail-- > 0) throw new Error('boom');
      },
      { workers: 1, baseDelayMs: 20 },
    );
    q.start();
    q.add('a');
    await waitFor('times.length === 4', () => times.length === 4, 2000, 2);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    assert.ok(gaps[0]! >= 18 && gaps[1]! >= 38 && gaps[2]! >= 78, `gaps ${gaps.join(', ')}`);
    assert.equal(q.failures('a'), 0, 'forgotten after success');

    let terminalRuns = 0;
    const t = new WorkQueue(
      async () => {
        terminalRuns++;
        throw new OperatorError('OP_ERR_USAGE', 'bad', { permanent: true });
      },
      { baseDelayMs: 1 },
    );
    t.start();
    t.add('x');
    await sleep(50);
    assert.equal(terminalRuns, 1);
    await Promise.all([q.shutdown(100), t.shutdown(100)]);
  });

  test('requeueAfterMs brings a key back after the delay', async () => {
    const times: number[] = [];
    const q = new WorkQueue(async (): Promise<ReconcileResult> => {
      times.push(performance.now());
      return times.length === 1 ? { requeueAfterMs: 50 } : {};
    });
    q.start();
    q.add('a');
    await waitFor('times.length === 2', () => times.length === 2, 2000, 2);
    assert.ok(times[1]! - times[0]! >= 45);
    await q.shutdown(100);
  });

  test('shutdown waits for in-flight work within the bound and reports a timeout', async () => {
    const gate = deferred();
    let finished = false;
    const q = new WorkQueue(async () => {
      await gate.promise;
      finished = true;
    });
    q.start();
    q.add('a');
    await sleep(5);
    assert.equal(await q.shutdown(30), false, 'still running after the bound');
    gate.resolve();
    const q2 = new WorkQueue(async () => sleep(20).then(() => undefined));
    q2.start();
    q2.add('b');
    await sleep(2);
    assert.equal(await q2.shutdown(1000), true);
    await waitFor('finished', () => finished, 2000, 2);
    q2.add('c');
    assert.equal(q2.depth, 0, 'no new work after shutdown');
  });
});

describe('RateLimiter', () => {
  test('per-item exponential backoff from 5 ms, capped at 1000 s', () => {
    const r = new RateLimiter({ burst: 1e9 });
    const delays = Array.from({ length: 5 }, () => r.when('k'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80]);
    for (let i = 0; i < 40; i++) r.when('k');
    assert.equal(r.when('k'), 1_000_000);
    r.forget('k');
    assert.equal(r.when('k'), 5);
  });

  test('the shared bucket allows a burst of 100, then 10 per second', () => {
    let now = 0;
    const r = new RateLimiter({ now: () => now, baseDelayMs: 0 });
    const burst = Array.from({ length: 100 }, (_, i) => r.when(`k${i}`));
    assert.ok(burst.every((d) => d === 0));
    assert.equal(r.when('k100'), 100);
    assert.equal(r.when('k101'), 200);
    now = 1000;
    // 10 tokens came back in that second; 2 were borrowed ahead, so 8 are free.
    const afterRefill = Array.from({ length: 9 }, (_, i) => r.when(`r${i}`));
    assert.deepEqual(afterRefill, [0, 0, 0, 0, 0, 0, 0, 0, 100]);
  });
});
