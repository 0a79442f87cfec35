// The conformance suite: every entry of the input registry is driven the same way, and a source that
// does not pass cannot be registered (an entry without a fixture fails too).
//
// HOW A SOURCE JOINS (a few lines):
// 1. In its test folder, export a ConformanceFixture (fixture.ts): `start(clock)` starts its simulator
//    on loopback with records for every service over the last 3 hours, on several pages, and returns
//    the input's config.yaml settings pointing at it (every service listed); `legacyStates` gives a
//    stored document of an older layout per service when its stateVersion is above 1.
//    Example: test/collector-runtime/inputs/microsoft_graph/conformance-fixture.ts.
// 2. Add one line to conformance/fixtures.ts: `<input key>: <its fixture>`.
// A streamed service (createStream) is driven through the ServiceRunner in every test, and run until
// its output has been quiet for a moment instead of "until up to date"; a stream has no OAuth token,
// so the per-input token metric is not asked of it. Example: inputs/proofpoint_on_demand.
//
// What each service must show:
// - lifecycle: through the runtime's ServiceRunner it sets up, pulls (events delivered, state saved
//   at its stateVersion) and stops when its signal aborts;
// - checkpoint never ahead of delivery: when the output drops mid-pull, a restart from whatever
//   checkpoint was saved still delivers every record a clean run delivers; a further restart from
//   the final checkpoint sends nothing again;
// - state versioning: stateVersion is a positive integer; older layouts are migrated (migrateState)
//   and resumed from; migrateState never throws on junk;
// - metrics: the README "Metrics" series for the service (metrics/catalog.ts names) are exported;
// - the secret never shows in logs, errors or metrics, also when the source rejects it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inputRegistry } from '../../../collector-runtime/src/inputs/registry.ts';
import { memoryStore } from '../../../collector-runtime/src/state/memory-store.ts';
import { stateKey } from '../../../collector-runtime/src/state/store.ts';
import type { CollectorMetrics } from '../../../collector-runtime/src/metrics/catalog.ts';
import { waitFor } from '../../support/wait.ts';
import { conformanceFixtures } from './fixtures.ts';
import { COLLECTOR, servicePuller, serviceRunner, startSource, type SourceRun } from './harness.ts';

/** README "Metrics": what every polling service exports with its (collector, input, service) labels. */
const SERVICE_METRICS = [
  'devo_collector_events_received_total',
  'devo_collector_events_duplicated_total',
  'devo_collector_events_sent_total',
  'devo_collector_api_requests_total',
  'devo_collector_api_request_duration_seconds',
  'devo_collector_pull_duration_seconds',
  'devo_collector_last_successful_pull_timestamp_seconds',
  'devo_collector_state_writes_total',
  'devo_collector_dedup_filter_fill_ratio',
];
/** Series a retry-only service (fixture.retryOnlyServices) need not have after a clean run. */
const RETRY_ONLY_ABSENT = ['devo_collector_events_sent_total', 'devo_collector_dedup_filter_fill_ratio'];
/** README "Metrics": per input. */
const INPUT_METRICS = ['devo_collector_token_refreshes_total'];

async function seriesOf(metrics: CollectorMetrics, labels: Record<string, string>) {
  const found = new Map<string, number>();
  for (const m of await metrics.registry.getMetricsAsJSON())
    for (const v of m.values as { labels: Record<string, unknown>; value: number }[])
      if (Object.entries(labels).every(([k, x]) => v.labels[k] === x))
        found.set(m.name, (found.get(m.name) ?? 0) + v.value);
  return found;
}

for (const [name, def] of inputRegistry) {
  describe(`conformance: ${name}`, () => {
    const fixture = conformanceFixtures[name];
    const services = Object.keys(def.services);
    const retryOnly = (service: string) => fixture?.retryOnlyServices?.includes(service) === true;
    const sources: SourceRun[] = [];
    const start = async (opts: { secret?: string } = {}) => {
      const src = await startSource(name, fixture!, opts);
      sources.push(src);
      return src;
    };
    after(() => Promise.all(sources.map((s) => s.stop())));

    test('has a conformance fixture that configures every service', async () => {
      assert.ok(
        fixture,
        `${name} has no conformance fixture: export one from its test folder and add it to test/collector-runtime/conformance/fixtures.ts`,
      );
      const src = await start();
      assert.deepEqual(
        src.input.services.map((s) => s.name),
        services,
      );
    });
    if (!fixture) return;

    test('lifecycle: set-up, pull, checkpoint at its stateVersion, metrics, stop', async () => {
      const src = await start();
      for (const service of services) {
        const s = serviceRunner(src, service);
        const abort = new AbortController();
        const running = s.runner.run(abort.signal);
        await waitFor(`${service}: a successful pull`, () => s.runner.health.lastPullOk === true, 30_000);
        abort.abort();
        await running;
        assert.equal(s.runner.health.phase, 'stopped', service);
        if (!retryOnly(service)) assert.ok(s.delivered.length > 0, `${service}: events delivered`);
        const doc = JSON.parse((await s.store.get(stateKey(name, 'conf', service)))!) as Record<
          string,
          unknown
        >;
        assert.equal(doc['@persistence_version'], def.services[service]!.stateVersion, service);

        const perService = await seriesOf(s.metrics, { collector: COLLECTOR, input: name, service });
        // A retry-only service handed nothing has written nothing (the sent series is labelled by output
        // and appears with the first write), and it dedups with the owning service's filter.
        for (const metric of SERVICE_METRICS)
          if (!(retryOnly(service) && RETRY_ONLY_ABSENT.includes(metric)))
            assert.ok(perService.has(metric), `${service}: exports ${metric}`);
        assert.ok((perService.get('devo_collector_events_sent_total') ?? 0) >= s.delivered.length, service);
        assert.ok(perService.get('devo_collector_api_requests_total')! > 0, service);
        const perInput = await seriesOf(s.metrics, { collector: COLLECTOR, input: name });
        if (!def.services[service]!.createStream)
          for (const metric of INPUT_METRICS)
            assert.ok(perInput.has(metric), `${service}: exports ${metric}`);
      }
    });

    test('a checkpoint never runs ahead of delivery: restarts after a dropped output lose nothing', async () => {
      const signal = new AbortController().signal;
      for (const service of services) {
        if (def.services[service]!.createStream) {
          await streamCheckpointNeverAhead(start, service);
          continue;
        }
        // Reference: one clean run.
        const clean = servicePuller(await start(), service, undefined);
        await clean.puller.setup(signal);
        await clean.pullUntilUpToDate(signal);
        if (!retryOnly(service)) assert.ok(clean.delivered.length > 0, `${service}: the clean run delivers`);

        for (const dropAfter of [1, 3]) {
          // The output drops after `dropAfter` writes; the process then dies and restarts from its checkpoint.
          const src = await start();
          const first = servicePuller(src, service, undefined);
          await first.puller.setup(signal);
          let writes = 0;
          const write = first.sink.write.bind(first.sink);
          first.sink.write = async (batch) => {
            if (++writes > dropAfter) first.sink.failing = true;
            return write(batch);
          };
          await first.pullUntilUpToDate(signal).catch(() => undefined);
          const restarted = servicePuller(src, service, first.committed());
          await restarted.puller.setup(signal);
          await restarted.pullUntilUpToDate(signal);
          const got = new Set([...first.delivered, ...restarted.delivered]);
          const missing = clean.delivered.filter((e) => !got.has(e));
          assert.deepEqual(
            missing,
            [],
            `${service}: records lost after the output dropped at write ${dropAfter + 1}`,
          );

          // The final checkpoint is complete: a restart from it sends nothing again.
          const again = servicePuller(src, service, restarted.committed());
          await again.puller.setup(signal);
          await again.pullUntilUpToDate(signal);
          const repeated = again.delivered.filter((e) => got.has(e));
          assert.deepEqual(
            repeated,
            [],
            `${service}: records sent again after a restart from a complete checkpoint`,
          );
        }
      }
    });

    test('state versioning: older layouts migrate and resume; junk is refused without throwing', async () => {
      const src = await start();
      const signal = new AbortController().signal;
      for (const service of services) {
        const sdef = def.services[service]!;
        assert.ok(Number.isInteger(sdef.stateVersion) && sdef.stateVersion >= 1, `${service}: stateVersion`);
        for (const junk of [null, 42, 'x', [], {}, { last_ids: 'x' }])
          assert.doesNotThrow(
            () => sdef.migrateState?.(junk, 1),
            `${service}: migrateState(${JSON.stringify(junk)})`,
          );
        if (sdef.stateVersion === 1) continue;
        assert.ok(sdef.migrateState, `${service}: stateVersion ${sdef.stateVersion} needs migrateState`);
        const legacy = fixture.legacyStates?.[service];
        assert.ok(legacy, `${service}: the fixture gives a legacy state document (legacyStates)`);
        const store = memoryStore({ [stateKey(name, 'conf', service)]: legacy });
        const migrated = await serviceRunner(src, service, store).runner.prePull();
        assert.notEqual(migrated, undefined, `${service}: the legacy document is migrated`);
        if (sdef.createStream) {
          const resumed = serviceRunner(src, service, store);
          await streamUntilQuiet(resumed);
          assert.ok(resumed.delivered.length > 0, `${service}: resumes from the migrated state`);
          continue;
        }
        const resumed = servicePuller(src, service, migrated);
        await resumed.puller.setup(signal);
        const summary = await resumed.pullUntilUpToDate(signal);
        assert.equal(summary.upToDate, true, `${service}: resumes from the migrated state`);
      }
    });

    test('the secret never shows in logs, errors or metrics, also when it is rejected', async () => {
      const good = await start();
      const wrongSecret = `conformance-rejected-${name}-0a1b2c3d`;
      const bad = await start({ secret: wrongSecret });
      for (const service of services) {
        for (const [src, until] of [
          [good, 'pulled'],
          [bad, 'setup-failed'],
        ] as const) {
          const s = serviceRunner(src, service);
          const abort = new AbortController();
          const running = s.runner.run(abort.signal);
          await waitFor(
            `${service}: ${until}`,
            () =>
              until === 'pulled'
                ? s.runner.health.lastPullOk === true
                : s.runner.health.phase === 'setup-failed',
            30_000,
          );
          abort.abort();
          await running;
          const shown = [
            ...s.logs,
            s.runner.health.lastError ?? '',
            await s.metrics.registry.metrics(),
            ...((await s.store.get(stateKey(name, 'conf', service))) ?? ''),
          ].join('\n');
          for (const secret of src.secrets)
            assert.ok(!shown.includes(secret), `${service}: the secret shows (${until})`);
        }
      }
    });
  });
}

/** Runs a streamed service through the ServiceRunner until its output has been quiet, then stops it. */
async function streamUntilQuiet(s: ReturnType<typeof serviceRunner>, quietMs = 1_500): Promise<void> {
  const abort = new AbortController();
  const running = s.runner.run(abort.signal);
  let count = -1;
  let since = Date.now();
  await waitFor(
    'the stream to connect and go quiet',
    () => {
      if (s.delivered.length !== count) [count, since] = [s.delivered.length, Date.now()];
      return s.runner.health.lastPullOk === true && Date.now() - since >= quietMs;
    },
    60_000,
    100,
  );
  abort.abort();
  await running;
}

/**
 * The stream form of "a checkpoint never runs ahead of delivery": the output drops after a few writes
 * and the process stops; a restart on the same store still delivers everything a clean run delivers,
 * and a further restart from the final checkpoint sends nothing again.
 */
async function streamCheckpointNeverAhead(start: () => Promise<SourceRun>, service: string): Promise<void> {
  const clean = serviceRunner(await start(), service);
  await streamUntilQuiet(clean);
  assert.ok(clean.delivered.length > 0, `${service}: the clean run delivers`);
  for (const dropAfter of [1, 3]) {
    const src = await start();
    const store = memoryStore();
    const first = serviceRunner(src, service, store);
    let writes = 0;
    const write = first.sink.write.bind(first.sink);
    first.sink.write = async (batch) => {
      if (++writes > dropAfter) first.sink.failing = true;
      return write(batch);
    };
    await streamUntilQuiet(first);
    const restarted = serviceRunner(src, service, store);
    await streamUntilQuiet(restarted);
    const got = new Set([...first.delivered, ...restarted.delivered]);
    const missing = clean.delivered.filter((e) => !got.has(e));
    assert.deepEqual(
      missing,
      [],
      `${service}: records lost after the output dropped at write ${dropAfter + 1}`,
    );
    const again = serviceRunner(src, service, store);
    await streamUntilQuiet(again);
    const repeated = again.delivered.filter((e) => got.has(e));
    assert.deepEqual(
      repeated,
      [],
      `${service}: records sent again after a restart from a complete checkpoint`,
    );
  }
}
