// Pre-pull: what the runner does with the state it finds (nothing, corrupt, old layout, changed reset
// settings) before a puller starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRunner } from '../../../collector-runtime/src/core/service-runner.ts';
import { memoryStore } from '../../../collector-runtime/src/state/memory-store.ts';
import { createCollectorMetrics } from '../../../collector-runtime/src/metrics/catalog.ts';
import { serviceTelemetry } from '../../../collector-runtime/src/metrics/service-telemetry.ts';
import { createHttpShared, httpClientFactory } from '../../../collector-runtime/src/core/http/client.ts';
import { createPipeline } from '../../../collector-runtime/src/output/pipeline.ts';
import { microsoftGraphAudit } from '../../../collector-runtime/src/inputs/microsoft_graph/definition.ts';
import { virtualClock } from '../../support/virtual-clock.ts';
import { captureLog } from '../../support/log-capture.ts';

const KEY = 'microsoft_graph_audit.aud.signIns';

function runner(store: ReturnType<typeof memoryStore>, service: Record<string, unknown> = {}) {
  const { log, records: logs } = captureLog('info');
  const clock = virtualClock();
  const metrics = createCollectorMetrics();
  const telemetry = serviceTelemetry(metrics, {
    collector: 'c',
    input: 'microsoft_graph_audit',
    service: 'signIns',
  });
  const r = new ServiceRunner({
    definition: microsoftGraphAudit,
    input: {
      name: 'microsoft_graph_audit',
      config: {
        id: 'aud',
        enabled: true,
        credentials: { tenant_id: 't', client_id: 'c', client_secret: 's' },
      },
      services: [],
    },
    service: { name: 'signIns', config: { request_period_in_seconds: 300, ...service } },
    store,
    pipeline: createPipeline([], { hostname: 'h', now: clock.now }),
    telemetry,
    http: httpClientFactory(createHttpShared(clock), telemetry, log),
    log,
    clock,
  });
  return { r, logs, metrics };
}

test('no state: the service starts from start_time_in_utc', async () => {
  assert.equal(await runner(memoryStore()).r.prePull(), undefined);
});

test('a corrupt state document is moved aside with an error, never reused', async () => {
  const store = memoryStore({ [KEY]: '{"@persistence_version": 2, "data": {trunc' });
  const { r, logs } = runner(store);
  assert.equal(await r.prePull(), undefined);
  const keys = Object.keys(store.snapshot());
  assert.equal(keys.length, 1);
  assert.match(keys[0]!, /^microsoft_graph_audit\.aud\.signIns\.corrupt-\d+$/);
  assert.equal(store.snapshot()[keys[0]!], '{"@persistence_version": 2, "data": {trunc');
  assert.ok(
    logs.some((l) => l.level === 50 && /Moved an unreadable state document aside/.test(String(l.msg))),
  );
});

test('the Python collector state layout is migrated (last_polled_timestamp, next_link dropped)', async () => {
  const store = memoryStore({
    [KEY]: JSON.stringify({
      persistence_version: 1,
      last_polled_timestamp: '2026-01-02T03:04:05Z',
      last_ids: ['a', 'b'],
      next_link: 'https://x/?$skiptoken=abc',
    }),
  });
  const data = (await runner(store).r.prePull()) as {
    last_event_time_in_utc: string;
    last_ids: [string, number][];
  };
  assert.equal(data.last_event_time_in_utc, '2026-01-02T03:04:05.000Z');
  assert.deepEqual(
    data.last_ids.map(([k]) => k),
    ['a', 'b'],
  );
  assert.equal('next_link' in data, false);
});

test('a changed start_time_in_utc or reset_persistence_auth wipes the state and counts a reset', async () => {
  const doc = (start: string | null, reset: unknown) =>
    JSON.stringify({
      '@persistence_version': 2,
      fingerprint: { start_time_in_utc: start, reset_persistence_auth: reset },
      data: { last_event_time_in_utc: '2026-01-01T00:00:00.000Z', last_ids: [] },
    });
  const start = Date.parse('2025-12-01T00:00:00Z');
  const same = memoryStore({ [KEY]: doc('2025-12-01T00:00:00.000Z', null) });
  assert.ok(await runner(same, { start_time_in_utc: start }).r.prePull(), 'same settings keep the state');

  const moved = memoryStore({ [KEY]: doc('2025-11-01T00:00:00.000Z', null) });
  const { r, metrics } = runner(moved, { start_time_in_utc: start });
  assert.equal(await r.prePull(), undefined);
  assert.deepEqual(moved.snapshot(), {});
  assert.match(
    await metrics.registry.getSingleMetricAsString('devo_collector_state_resets_total'),
    /service="signIns"} 1/,
  );

  const reset = memoryStore({ [KEY]: doc('2025-12-01T00:00:00.000Z', 'a') });
  assert.equal(
    await runner(reset, { start_time_in_utc: start, reset_persistence_auth: 'b' }).r.prePull(),
    undefined,
  );
});
