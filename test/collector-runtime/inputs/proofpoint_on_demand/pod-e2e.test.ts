// End to end: PoD simulator (WebSocket) → the real runtime → rsyslog over mutual TLS. The simulator and
// the runtime share a clock that tests can move forward while the collector is down (a long outage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  eventsOf,
  startRuntimeRun,
  type ReceivedEvent,
  type RuntimeRun,
} from '../../../support/runtime-run.ts';
import { waitFor } from '../../../support/wait.ts';
import {
  SIM_POD_CLUSTER,
  SIM_POD_TOKEN,
  startPodSimulator,
  type PodSimulator,
  type PodSimulatorOptions,
  type PodType,
} from '../../../simulators/proofpoint/server.ts';
import type { Clock } from '../../../../collector-runtime/src/core/clock.ts';
import { receiverFixtureForFile } from '../../../support/receiver-fixture.ts';

const HOUR = 3_600_000;
const fx = receiverFixtureForFile('pod-e2e');

/** Real time plus a jump the test can make (the collector is down while time jumps). */
function jumpClock(): Clock & { jump(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(resolve, Math.max(0, ms));
        signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
      }),
    jump: (ms) => (offset += ms),
  };
}

let runs = 0;
async function setup(t: { after(fn: () => unknown): void }, simOpts: PodSimulatorOptions = {}) {
  const clock = jumpClock();
  const sim = await startPodSimulator({ clock, seed: ++runs, ...simOpts });
  t.after(() => sim.close());
  const environment = `pod-e2e-${runs}`;
  const home = join(fx.dir, environment);
  const launch = async (services: Record<string, Record<string, unknown>>): Promise<RuntimeRun> => {
    const run = await startRuntimeRun({
      home,
      pki: fx.pki,
      receiverPort: fx.receiver.port,
      clock,
      name: 'pod-e2e',
      inputs: {
        proofpoint_on_demand: {
          id: 'pod',
          environment,
          credentials: { cluster_id: SIM_POD_CLUSTER, api_key: SIM_POD_TOKEN },
          services,
        },
      },
    });
    t.after(() => run.stop());
    return run;
  };
  const service = (extra: Record<string, unknown> = {}) => ({
    override_url_base: sim.url,
    request_period_in_seconds: 5,
    ping_interval_in_seconds: 1,
    pong_timeout_in_seconds: 3,
    ...extra,
  });
  return { clock, sim, environment, home, launch, service };
}

async function received(environment: string): Promise<ReceivedEvent[]> {
  return eventsOf(await fx.receiver.lines(), environment);
}

const idOf = (e: ReceivedEvent) => String(e.record.guid ?? e.record.id);

/** Every event the simulator logged for `type` arrived exactly once, with the type's tag. */
function assertExactlyOnce(events: ReceivedEvent[], sim: PodSimulator, type: PodType, from = 0) {
  const tag = `mail.proofpoint.pod.${type}`;
  const got = events
    .filter((e) => e.tag === tag)
    .map(idOf)
    .sort();
  const dupes = got.filter((id, i) => got[i - 1] === id);
  assert.deepEqual(dupes.slice(0, 5), [], `${type}: ${dupes.length} duplicates delivered`);
  const want = Array.from({ length: sim.count(type) - from }, (_, i) => sim.idOf(type, from + i)).sort();
  assert.equal(got.length, want.length, `${type}: delivered ${got.length} of ${want.length}`);
  assert.deepEqual(got, want, `${type}: delivered ids differ from the simulator's`);
}

async function waitForAll(environment: string, sim: PodSimulator, types: PodType[], timeoutMs = 120_000) {
  const total = () => types.reduce((n, ty) => n + sim.count(ty), 0);
  await waitFor(
    `${total()} unique events`,
    async () => new Set((await received(environment)).map(idOf)).size >= total(),
    timeoutMs,
    200,
  ).catch(async (err: Error) => {
    const got = new Set((await received(environment)).map(idOf));
    const missing = types.flatMap((ty) =>
      Array.from({ length: sim.count(ty) }, (_, i) => i)
        .filter((i) => !got.has(sim.idOf(ty, i)))
        .map((i) => `${ty}#${i}`),
    );
    throw new Error(
      `${err.message}: ${missing.length} missing, e.g. ${missing.slice(0, 12).join(' ')}; sim ${JSON.stringify(sim.stats())}`,
    );
  });
}

async function metric(run: RuntimeRun, name: string): Promise<string> {
  return run.runtime.metrics.registry.getSingleMetricAsString(name);
}

test('every unique event once across abrupt drops, 409 storms, duplicates and out-of-order frames', async (t) => {
  const { sim, environment, launch, service } = await setup(t, {
    scenario: {
      duplicateEvery: 7,
      outOfOrderShare: 0.2,
      outOfOrderMaxMs: 20_000,
      mixedOffsets: true,
      releaseDelayMs: 2_500,
      // More than the socket buffers hold: a drop may lose what they held (a reset discards it).
      rewindOnDrop: 5_000,
    },
  });
  const run = await launch({ message: service(), maillog: service() });
  await waitFor(
    'both streams connected',
    () => run.logs.filter((l) => l.msg === 'Connected to the stream').length >= 2,
  );
  const stops = [sim.produce('message', 150), sim.produce('maillog', 250)];
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 1_500));
    sim.dropAll();
  }
  await new Promise((r) => setTimeout(r, 1_000));
  sim.scenario.force409 = 5;
  await waitFor('the 409 storm to pass', () => sim.scenario.force409 === 0, 60_000, 100);
  await new Promise((r) => setTimeout(r, 1_000));
  for (const stop of stops) stop();
  await waitForAll(environment, sim, ['message', 'maillog']);
  await new Promise((r) => setTimeout(r, 1_500)); // anything extra would arrive by now
  const events = await received(environment);
  assertExactlyOnce(events, sim, 'message');
  assertExactlyOnce(events, sim, 'maillog');
  const stats = sim.stats();
  assert.ok(stats.drops >= 3 && stats.duplicatesSent > 0, JSON.stringify(stats));
  assert.ok((stats.handshakes['409'] ?? 0) >= 5, 'the storm and the held sessions answered 409');
  const reconnects = await metric(run, 'devo_collector_websocket_reconnects_total');
  assert.match(reconnects, /service="message",reason="abnormal_close"} [1-9]/);
  assert.match(reconnects, /service="(message|maillog)",reason="session_conflict"} [1-9]/);
  const dupes = await metric(run, 'devo_collector_events_duplicated_total');
  assert.match(dupes, /service="message"} [1-9]/);
  // The refused handshake is logged as the product logs it: status, headers, body.
  const conflict = run.logs.find((l) => String(l.msg).startsWith('Handshake status 409 Conflict'));
  assert.match(
    String(conflict?.msg),
    /^Handshake status 409 Conflict -\+-\+- \{"date":"[^"]+","content-type":"text\/plain;charset=iso-8859-1","content-length":"47"\} -\+-\+- "Exceeded maximum number of sessions per token\\r\\n"$/,
  );
  assert.ok(!JSON.stringify(run.logs).includes(SIM_POD_TOKEN), 'the api_key never appears in logs');
});

test('a restart resumes; a gap over an hour is recovered through sinceTime, then the stream is live again', async (t) => {
  const { clock, sim, environment, home, launch, service } = await setup(t, {
    scenario: { outOfOrderShare: 0.1, outOfOrderMaxMs: 10_000 },
  });
  let run = await launch({ message: service() });
  await waitFor('connected', () => run.logs.some((l) => l.msg === 'Connected to the stream'));
  let stop = sim.produce('message', 200);
  await waitFor('some events', async () => (await received(environment)).length >= 300, 30_000, 100);
  await run.stop();
  const before = (await received(environment)).length;
  await new Promise((r) => setTimeout(r, 500)); // logged while the collector restarts
  run = await launch({ message: service() });
  await waitFor(
    'more events after the restart',
    async () => (await received(environment)).length >= before + 300,
    30_000,
    100,
  );
  stop();
  await waitForAll(environment, sim, ['message']);
  assertExactlyOnce(await received(environment), sim, 'message');
  assert.equal(sim.stats().archiveQueries.length, 0, 'a short restart resumes live, without sinceTime');

  // Down for over two hours while the cluster keeps logging.
  await run.stop();
  const state = JSON.parse(
    await readFile(join(home, 'state', 'proofpoint_on_demand.pod.message.json'), 'utf8'),
  );
  assert.equal(state['@persistence_version'], 2);
  const down = clock.now();
  sim.add('message', 900, { from: down, to: down + 2 * HOUR + 10 * 60_000 });
  clock.jump(2 * HOUR + 15 * 60_000);
  run = await launch({ message: service() });
  stop = sim.produce('message', 100);
  await waitFor(
    'the caught-up stream to go live',
    () => run.logs.some((l) => l.msg === 'Caught up: going live'),
    30_000,
  );
  await new Promise((r) => setTimeout(r, 1_000));
  stop();
  await waitForAll(environment, sim, ['message']);
  await new Promise((r) => setTimeout(r, 1_000));
  assertExactlyOnce(await received(environment), sim, 'message');
  const [since] = sim.stats().archiveQueries;
  const checkpoint = Date.parse(state.data.checkpoint.ts.replace(/(\d\d)(\d\d)$/, '$1:$2'));
  assert.equal(since, new Date(Math.floor(checkpoint / HOUR) * HOUR).toISOString().replace('Z', '+0000'));
  assert.equal(
    sim.stats().archiveQueries.length,
    1,
    JSON.stringify(run.logs.filter((l) => /stream|Caught/.test(String(l.msg))).slice(0, 8)),
  );
});
