// Pre-pull: what the runner does with the state it finds (nothing, corrupt, old layout, changed reset
// settings) before a puller starts; and what it does when the store refuses a checkpoint for a while.
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
import { waitFor } from '../../support/wait.ts';
import { captureLog } from '../../support/log-capture.ts';
import { CollectorError } from '../../../collector-runtime/src/core/errors.ts';
import type { StateStore } from '../../../collector-runtime/src/state/store.ts';
import type { InputDefinition, PullerContext } from '../../../collector-runtime/src/inputs/definition.ts';

const KEY = 'microsoft_graph_audit.aud.signIns';

function runner(
  store: StateStore,
  service: Record<string, unknown> = {},
  definition: InputDefinition = microsoftGraphAudit,
) {
  const { log, records: logs } = captureLog('info');
  const clock = virtualClock();
  const metrics = createCollectorMetrics();
  const telemetry = serviceTelemetry(metrics, {
    collector: 'c',
    input: 'microsoft_graph_audit',
    service: 'signIns',
  });
  const r = new ServiceRunner({
    definition,
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

/** A source that commits one page per number the test appends to `feed`; its cursor moves only on commit. */
function feedSource(feed: number[], committed: number[]): InputDefinition {
  return {
    ...microsoftGraphAudit,
    services: {
      signIns: {
        description: 'numbers',
        settings: {},
        defaultRequestPeriodSeconds: 60,
        minRequestPeriodSeconds: 1,
        defaultTags: ['test.numbers'],
        stateVersion: 2,
        createPuller(ctx: PullerContext<{ next: number }>) {
          let next = ctx.state?.next ?? 0;
          return {
            setup: async () => undefined,
            async pull() {
              const start = next;
              for (; next < feed.length; next++) {
                await ctx.commit([{ tag: 'test.numbers', record: { n: feed[next] } }], { next: next + 1 });
                committed.push(feed[next]!);
              }
              return {
                requests: 1,
                received: next - start,
                duplicates: 0,
                sent: next - start,
                upToDate: true,
              };
            },
          };
        },
      },
    },
  };
}

test('a store that refuses checkpoints for a while: pulls go on, nothing is sent twice, the newest checkpoint lands', async (t) => {
  const inner = memoryStore();
  let refusing: CollectorError | undefined;
  const unavailable = new CollectorError('CR_ERR_STATE_IO', 'cannot write state: connection refused', {
    retryable: true,
  });
  const accepted: number[] = [];
  const store: StateStore = {
    kind: 'flaky',
    get: (key) => inner.get(key),
    delete: (key) => inner.delete(key),
    async set(key, value) {
      if (refusing) throw refusing;
      accepted.push((JSON.parse(value) as { data: { next: number } }).data.next);
      await inner.set(key, value);
    },
  };
  const feed = [1, 2];
  const committed: number[] = [];
  const { r, logs, metrics } = runner(store, {}, feedSource(feed, committed));
  const abort = new AbortController();
  t.after(() => abort.abort());
  const running = r.run(abort.signal);
  const saved = async () =>
    (JSON.parse((await inner.get(KEY)) ?? '{"data":{}}') as { data: { next?: number } }).data.next;
  await waitFor('the first checkpoint', async () => (await saved()) === 2);

  refusing = unavailable;
  feed.push(3, 4, 5);
  await waitFor('pages committed while the store refuses', () => committed.length === 5);
  assert.equal(await saved(), 2, 'the store still holds the last checkpoint it took');
  assert.deepEqual(committed, [1, 2, 3, 4, 5], 'every page delivered once: no pull failed and re-sent one');
  assert.ok(r.health.lastPullOk, 'the pulls succeed');
  await waitFor('retried writes', async () =>
    /result="error"} [2-9]/.test(
      await metrics.registry.getSingleMetricAsString('devo_collector_state_writes_total'),
    ),
  );

  // An API server starting up may answer 403 before its RBAC caches fill: logged, and retried all the same.
  refusing = new CollectorError('CR_ERR_STATE_IO', 'cannot write state: forbidden by RBAC');
  await waitFor('the refusal logged', () =>
    logs.some((l) => l.msg === 'Failed to save the checkpoint again'),
  );
  refusing = undefined;
  await waitFor('the newest checkpoint', async () => (await saved()) === 5);
  assert.deepEqual(
    accepted,
    [...accepted].sort((a, b) => a - b),
    'never an older checkpoint after a newer one',
  );
  assert.equal(
    logs.filter(
      (l) =>
        l.msg ===
        'Failed to save the checkpoint; pulling goes on and the newest checkpoint is retried until the store takes it',
    ).length,
    1,
    'one error for the streak',
  );

  // Refused again at stop: the last try on the way out takes it once the store does.
  refusing = unavailable;
  feed.push(6);
  await waitFor('page 6 committed', () => committed.length === 6);
  refusing = undefined;
  abort.abort();
  await running;
  assert.equal(await saved(), 6);
  assert.deepEqual(committed, [1, 2, 3, 4, 5, 6]);
});

test('a checkpoint the store will never take (RBAC, size limit) fails the pull as before', async (t) => {
  const store: StateStore = {
    kind: 'forbidden',
    get: async () => undefined,
    delete: async () => undefined,
    set: async () => {
      throw new CollectorError('CR_ERR_STATE_IO', 'cannot write state: forbidden by RBAC');
    },
  };
  const committed: number[] = [];
  const { r, logs } = runner(store, {}, feedSource([1], committed));
  const abort = new AbortController();
  t.after(() => abort.abort());
  const running = r.run(abort.signal);
  await waitFor('a failed pull', () => r.health.lastPullOk === false);
  abort.abort();
  await running;
  assert.deepEqual(committed, [], 'the commit failed');
  assert.ok(logs.some((l) => l.msg === 'Failed to pull; the checkpoint did not move'));
});
