// One PoD service in the real ServiceRunner against the simulator, with an in-memory output: keepalive,
// multi-MiB frames, fatal handshakes, start_time replays and the persisted layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRunner } from '../../../../collector-runtime/src/core/service-runner.ts';
import { createPipeline } from '../../../../collector-runtime/src/output/pipeline.ts';
import { createHttpShared, httpClientFactory } from '../../../../collector-runtime/src/core/http/client.ts';
import { systemClock } from '../../../../collector-runtime/src/core/clock.ts';
import { createCollectorMetrics } from '../../../../collector-runtime/src/metrics/catalog.ts';
import { serviceTelemetry } from '../../../../collector-runtime/src/metrics/service-telemetry.ts';
import { memoryStore } from '../../../../collector-runtime/src/state/memory-store.ts';
import type { Sink } from '../../../../collector-runtime/src/output/sink.ts';
import { proofpointOnDemand } from '../../../../collector-runtime/src/inputs/proofpoint_on_demand/definition.ts';
import {
  SIM_POD_CLUSTER,
  SIM_POD_TOKEN,
  startPodSimulator,
  type PodSimulator,
  type PodSimulatorOptions,
} from '../../../simulators/proofpoint/server.ts';
import { waitFor } from '../../../support/wait.ts';
import { captureLog } from '../../../support/log-capture.ts';

const HOUR = 3_600_000;
const KEY = 'proofpoint_on_demand.pod.message';

/** The output: keeps every record it is given (the Devo line's JSON part). */
function memorySink(): Sink & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  return {
    name: 'memory',
    records,
    start: async () => undefined,
    async write(batch) {
      for (const line of batch.data.toString('utf8').split('\n'))
        if (line) records.push(JSON.parse(line.slice(line.indexOf(': ') + 2)) as Record<string, unknown>);
    },
    stop: async () => undefined,
    status: () => ({ connected: true, queuedEvents: 0 }),
  };
}

async function start(
  t: { after(fn: () => unknown): void },
  opts: {
    sim?: PodSimulatorOptions;
    service?: Record<string, unknown>;
    apiKey?: string;
    store?: ReturnType<typeof memoryStore>;
    simulator?: PodSimulator;
  } = {},
) {
  const sim = opts.simulator ?? (await startPodSimulator(opts.sim));
  if (!opts.simulator) t.after(() => sim.close());
  const store = opts.store ?? memoryStore();
  const sink = memorySink();
  const { log, records: logs } = captureLog();
  const metrics = createCollectorMetrics();
  const telemetry = serviceTelemetry(metrics, {
    collector: 'c',
    input: 'proofpoint_on_demand',
    service: 'message',
  });
  const runner = new ServiceRunner({
    definition: proofpointOnDemand,
    input: {
      name: 'proofpoint_on_demand',
      config: {
        id: 'pod',
        enabled: true,
        credentials: { cluster_id: SIM_POD_CLUSTER, api_key: opts.apiKey ?? SIM_POD_TOKEN },
      },
      services: [],
    },
    service: {
      name: 'message',
      config: {
        request_period_in_seconds: 5,
        override_url_base: sim.url,
        ping_interval_in_seconds: 1,
        pong_timeout_in_seconds: 2,
        ...opts.service,
      },
    },
    store,
    pipeline: createPipeline([sink], { hostname: 'h', now: Date.now }),
    telemetry,
    http: httpClientFactory(createHttpShared(systemClock), telemetry, log),
    log,
    clock: systemClock,
  });
  const abort = new AbortController();
  const done = runner.run(abort.signal);
  const stop = async () => {
    abort.abort();
    await done;
  };
  t.after(stop);
  return { sim, sink, logs, metrics, runner, store, stop };
}

test('a silent half-open connection is found by the pong deadline and replaced', async (t) => {
  const { sim, sink, metrics } = await start(t);
  await waitFor('connected', () => sim.stats().liveSessions === 1);
  sim.scenario.halfOpen = true;
  sim.add('message', 5, { from: Date.now() - 1000, to: Date.now() });
  await waitFor('a pong timeout', async () =>
    /reason="pong_timeout"} [1-9]/.test(
      await metrics.registry.getSingleMetricAsString('devo_collector_websocket_reconnects_total'),
    ),
  );
  sim.scenario.halfOpen = false;
  await waitFor('the events on the new connection', () => sink.records.length === 5, 15_000);
  assert.ok(sim.stats().liveSessions >= 2);
});

test('frames of several MiB arrive whole', async (t) => {
  const { sim, sink } = await start(t, {
    sim: { largeFrameBytes: 3 * 1024 * 1024, scenario: { largeFrameEvery: 4 } },
  });
  await waitFor('connected', () => sim.stats().liveSessions === 1);
  sim.add('message', 12, { from: Date.now() - 1000, to: Date.now() });
  await waitFor('12 events', () => sink.records.length === 12, 15_000);
  const large = sink.records.filter((r) => JSON.stringify(r).length > 3 * 1024 * 1024);
  assert.equal(large.length, 3);
  assert.equal(sim.stats().largeFramesSent, 3);
});

test('refused credentials stop the service with a message that names the fix, never the key', async (t) => {
  const { runner } = await start(t, { apiKey: 'not-the-token' });
  await waitFor('the service to stop', () => runner.health.phase === 'setup-failed');
  assert.match(runner.health.lastError!, /HTTP 401.*credentials\.api_key.*cluster_id "acme_hosted"/);
  assert.ok(!runner.health.lastError!.includes('not-the-token'));
});

test('start_time replays history through sinceTime, then goes live; a changed start_time replaces the state', async (t) => {
  const sim = await startPodSimulator();
  t.after(() => sim.close());
  const now = Date.now();
  sim.add('message', 50, { from: now - 3 * HOUR, to: now - 60_000 });
  const startTime = new Date(now - 2 * HOUR - 30 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const store = memoryStore();
  let run = await start(t, { simulator: sim, store, service: { start_time: Date.parse(startTime) } });
  await waitFor(
    'the replay and the live stream',
    () => run.logs.some((l) => l.msg === 'Caught up: going live') && sim.stats().liveSessions === 1,
  );
  const floor = new Date(Math.floor(Date.parse(startTime) / HOUR) * HOUR).toISOString().replace('Z', '+0000');
  assert.deepEqual(sim.stats().archiveQueries, [floor]);
  const replayed = sink(run).length;
  assert.ok(replayed > 30 && replayed <= 50, `${replayed} events at or after ${floor}`);
  sim.add('message', 5, { from: Date.now() - 1000, to: Date.now() });
  await waitFor('the live events', () => sink(run).length === replayed + 5);
  await run.stop();
  const saved = JSON.parse(store.snapshot()[KEY]!);
  assert.equal(saved['@persistence_version'], 2);
  assert.equal(saved.data.start_time, new Date(Date.parse(startTime)).toISOString());

  const earlier = Date.parse(startTime) - HOUR;
  run = await start(t, { simulator: sim, store, service: { start_time: earlier } });
  await waitFor(
    'the second replay',
    () => sim.stats().archiveQueries.length === 2 && run.logs.some((l) => l.msg === 'Caught up: going live'),
  );
  // The replaced state remembers nothing: the wider window is sent again in full.
  assert.equal(sink(run).length, 55);
  assert.match(
    await run.metrics.registry.getSingleMetricAsString('devo_collector_state_resets_total'),
    /} 1/,
  );
});

function sink(run: { sink: { records: unknown[] } }): unknown[] {
  return run.sink.records;
}

test('a layout v1 state is migrated: its checkpoint is kept and an old one is caught up from', async (t) => {
  const now = Date.now();
  const sim = await startPodSimulator();
  t.after(() => sim.close());
  const checkpointMs = now - 3 * HOUR + 10 * 60_000;
  const v1 = {
    '@persistence_version': 1,
    data: {
      checkpoint: {
        ts: new Date(checkpointMs).toISOString().replace('Z', '+0000'),
        instant_us: checkpointMs * 1000,
      },
      live_until: new Date(checkpointMs).toISOString(),
      recent_ids: [],
    },
  };
  const store = memoryStore({ [KEY]: JSON.stringify(v1) });
  sim.add('message', 30, { from: now - 3 * HOUR, to: now - 60_000 });
  const run = await start(t, { simulator: sim, store });
  await waitFor('the catch-up', () => run.logs.some((l) => l.msg === 'Caught up: going live'));
  assert.deepEqual(sim.stats().archiveQueries, [
    new Date(Math.floor(checkpointMs / HOUR) * HOUR).toISOString().replace('Z', '+0000'),
  ]);
  // Events at or before the v1 checkpoint were delivered by the old collector.
  const after = sink(run) as { ts: string }[];
  assert.ok(after.length > 0 && after.length < 30);
  assert.ok(run.logs.some((l) => l.msg === 'Migrated the service state to the current layout'));
  assert.ok(!run.logs.some((l) => l.msg === 'Replaced the persisted state because start_time changed'));
});
