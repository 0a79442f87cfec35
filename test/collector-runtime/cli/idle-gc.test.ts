// The idle collector: full collections once the event loop goes quiet, spaced out as the idle spell grows,
// none while the loop is busy. Observed through V8's own GC entries (PerformanceObserver 'gc', major kind)
// and a FinalizationRegistry, not through the watcher's internals.
import assert from 'node:assert/strict';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { test } from 'node:test';
import { startIdleGc } from '../../../collector-runtime/src/cli/idle-gc.ts';
import { waitFor } from '../../support/wait.ts';

const INTERVAL_MS = 50;

function majorGcTimes(): { times: number[]; stop(): void } {
  const times: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (
        (e as typeof e & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR
      )
        times.push(e.startTime);
  });
  obs.observe({ entryTypes: ['gc'] });
  return { times, stop: () => obs.disconnect() };
}

function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('garbage left by a burst of work is collected once the loop goes idle', async (t) => {
  const stop = startIdleGc({ intervalMs: INTERVAL_MS, idleUtilization: 0.2, maxSpacingMs: 400 });
  t.after(stop);
  let finalized = false;
  const registry = new FinalizationRegistry(() => (finalized = true));
  (() => {
    const pullGarbage = { records: Array.from({ length: 1000 }, (_, i) => ({ id: i })) };
    registry.register(pullGarbage, 'pull');
  })();
  busyFor(2 * INTERVAL_MS); // the "pull"
  await waitFor('the pull garbage collected', () => finalized, 5000);
});

test('collections thin out as an idle spell grows, and none run while busy', async (t) => {
  const gcs = majorGcTimes();
  t.after(() => gcs.stop());
  const stop = startIdleGc({ intervalMs: INTERVAL_MS, idleUtilization: 0.2, maxSpacingMs: 400 });
  t.after(stop);
  busyFor(2 * INTERVAL_MS);
  const idleStart = performance.now();
  await new Promise((r) => setTimeout(r, 40 * INTERVAL_MS)); // 2 s: 40 samples
  const idle = gcs.times.filter((at) => at >= idleStart);
  // After 1, 2, 4, 8 samples, then every 8 (400 ms): about 8 in 40 samples, not one per sample.
  assert.ok(idle.length >= 4 && idle.length <= 10, `collections in 40 idle samples: ${idle.length}`);
  const gaps = idle.slice(1).map((at, i) => at - idle[i]!);
  assert.ok(gaps.at(-1)! > gaps[0]!, `spacing grows: ${gaps.map((g) => Math.round(g)).join(', ')} ms`);

  // A busy stretch (every sample busy) collects nothing; the first idle sample after it collects again.
  const busyStart = performance.now();
  for (let i = 0; i < 10; i++) {
    busyFor(INTERVAL_MS);
    await new Promise((r) => setImmediate(r)); // let the sampling timer run
  }
  const busyEnd = performance.now();
  const during = gcs.times.filter((at) => at > busyStart + INTERVAL_MS && at < busyEnd);
  assert.equal(during.length, 0, 'no collection while the loop is busy');
  await waitFor('a collection after the busy stretch', () => gcs.times.some((at) => at > busyEnd), 3000);
  assert.ok(gcs.times.find((at) => at > busyEnd)! - busyEnd < 4 * INTERVAL_MS, 'promptly, on going idle');
});
