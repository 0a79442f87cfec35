// The window loop's rules that the Graph tests do not reach: the settle delay and maximum age
// (message trace, Office 365), windows capped by maxMs, the expand and delivered hooks (Office 365
// content blobs) and the window handed to save(). The source here serves records from an array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createWindowedPuller,
  type TimeWindow,
  type WindowedSource,
} from '../../../../collector-runtime/src/core/polling/windowed-puller.ts';
import type { JsonRecord } from '../../../../collector-runtime/src/core/polling/polling-source.ts';
import type { OutEvent } from '../../../../collector-runtime/src/inputs/definition.ts';
import { createCollectorMetrics } from '../../../../collector-runtime/src/metrics/catalog.ts';
import { serviceTelemetry } from '../../../../collector-runtime/src/metrics/service-telemetry.ts';
import { createHttpShared, httpClientFactory } from '../../../../collector-runtime/src/core/http/client.ts';
import { virtualClock } from '../../../support/virtual-clock.ts';
import { captureLog } from '../../../support/log-capture.ts';

const HOUR = 3_600_000;
interface State {
  watermark?: number;
  keys: [string, number][];
  window?: TimeWindow;
}

function harness(
  records: JsonRecord[],
  rules: WindowedSource<State>['windows'],
  opts: { state?: State; start?: number; failCommit?: (n: number) => boolean } = {},
) {
  const clock = virtualClock();
  const { log, records: logs } = captureLog('info');
  const telemetry = serviceTelemetry(createCollectorMetrics(), { collector: 'c', input: 'i', service: 's' });
  const windows: TimeWindow[] = [];
  const commits: { events: readonly OutEvent[]; state: State }[] = [];
  const delivered: JsonRecord[][] = [];
  let commitCalls = 0;
  const source: WindowedSource<State> = {
    http: { requests: 0 },
    setup: async () => {},
    windows: rules,
    load: (s) => ({ watermark: s?.watermark, keys: s?.keys }),
    save: (watermark, keys, window) => ({ watermark, keys, window }),
    async readWindow(w, page) {
      windows.push(w);
      const inWindow = records.filter((r) => (r.t as number) >= w.from && (r.t as number) < w.to);
      for (let i = 0; i < inWindow.length; i += 2) await page(inWindow.slice(i, i + 2));
    },
    keyOf: (r) => String(r.id),
    timeOf: (r) => r.t as number,
    tagOf: () => 'my.app.test',
    delivered: (rs) => delivered.push([...rs]),
  };
  const puller = createWindowedPuller(
    {
      inputName: 'i',
      serviceName: 's',
      input: {},
      service: { request_period_in_seconds: 60, start_time_in_utc: opts.start },
      log,
      clock,
      telemetry,
      http: httpClientFactory(createHttpShared(clock), telemetry, log),
      state: opts.state,
      async commit(events, state) {
        if (opts.failCommit?.(++commitCalls)) throw new Error('the output connection dropped');
        commits.push({ events, state });
      },
    },
    source,
  );
  return { clock, source, puller, windows, commits, delivered, logs };
}

test('windows end at now - delayMs, start no earlier than now - maxAgeMs, and are at most maxMs long', async () => {
  const now = virtualClock().now();
  const records = [-30, -20, -9, -5, -3, -1.5, -0.5].map((h, i) => ({ id: `r${i}`, t: now + h * HOUR }));
  const h = harness(records, {
    historyMs: 40 * HOUR,
    maxMs: 2 * HOUR,
    lateMs: 0,
    delayMs: HOUR,
    maxAgeMs: 10 * HOUR,
  });
  const summary = await h.puller.pull(new AbortController().signal);
  assert.equal(summary.upToDate, true);
  assert.equal(h.windows[0]!.from, now - 10 * HOUR, 'starts at the maximum age, not at the 40 h history');
  assert.equal(h.windows.at(-1)!.to, now - HOUR, 'ends at the settle delay');
  for (const w of h.windows) assert.ok(w.to - w.from <= 2 * HOUR);
  assert.deepEqual(
    h.commits.flatMap((c) => c.events.map((e) => e.record.id)),
    ['r2', 'r3', 'r4', 'r5'],
    'records older than the maximum age or newer than the delay are not read',
  );
  assert.ok(
    h.logs.some((l) => l.level === 40 && l.requested && l.available),
    'the skipped history is warned about',
  );
  assert.equal(h.commits.at(-1)!.state.watermark, now - HOUR);
});

test('mid-window checkpoints keep the watermark and name the window; the window end moves it', async () => {
  const now = virtualClock().now();
  const records = [1, 2, 3, 4, 5].map((m) => ({ id: `r${m}`, t: now - HOUR + m * 60_000 }));
  const start = now - 2 * HOUR;
  const h = harness(records, { historyMs: HOUR, maxMs: Infinity, lateMs: 0 }, { start });
  await h.puller.pull(new AbortController().signal);
  const pages = h.commits.filter((c) => c.events.length > 0);
  assert.equal(pages.length, 3);
  for (const p of pages) {
    assert.equal(p.state.watermark, start, 'the watermark waits for the whole window');
    assert.deepEqual(p.state.window, { from: start, to: now });
  }
  const last = h.commits.at(-1)!;
  assert.equal(last.state.watermark, now);
  assert.equal(last.state.window, undefined);
});

test('expand turns fresh items into records; delivered() follows only a successful commit', async () => {
  const now = virtualClock().now();
  const items = [1, 2, 3].map((m) => ({ id: `blob${m}`, t: now - 30 * 60_000 + m * 60_000 }));
  const expanded: string[][] = [];
  const h = harness(
    items,
    { historyMs: HOUR, maxMs: Infinity, lateMs: HOUR },
    { failCommit: (n) => n === 2 },
  );
  h.source.expand = async (fresh, counts) => {
    expanded.push(fresh.map((f) => String(f.id)));
    counts.received += fresh.length * 2;
    return fresh.flatMap((f) => [{ id: `${String(f.id)}-a` }, { id: `${String(f.id)}-b` }]);
  };
  const signal = new AbortController().signal;
  await assert.rejects(h.puller.pull(signal), /connection dropped/);
  assert.deepEqual(
    h.delivered.map((d) => d.map((r) => r.id)),
    [['blob1-a', 'blob1-b', 'blob2-a', 'blob2-b']],
  );
  const summary = await h.puller.pull(signal);
  assert.deepEqual(
    expanded,
    [['blob1', 'blob2'], ['blob3'], ['blob3']],
    'the failed page is expanded again, delivered blobs are not',
  );
  assert.deepEqual(
    h.commits.flatMap((c) => c.events.map((e) => e.record.id)),
    ['blob1-a', 'blob1-b', 'blob2-a', 'blob2-b', 'blob3-a', 'blob3-b'],
  );
  assert.equal(summary.received, 2, 'the source counts expanded records');
  assert.equal(summary.duplicates, 0);
});
