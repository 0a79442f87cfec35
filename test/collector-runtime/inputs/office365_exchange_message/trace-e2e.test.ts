// End to end for both back ends: message trace simulator → the real runtime → rsyslog over mutual TLS.
// Simulated time runs 20× faster for runtime and simulator alike. One scenario per back end: a backlog
// with rows that change status and rows that arrive late; a restart mid-backlog; a reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scaledClock } from '../../../../collector-runtime/src/core/clock.ts';
import { waitFor } from '../../../support/wait.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startExchangeTraceSimulator,
  statusAt,
  type ExchangeTraceSimulatorOptions,
  type TraceRow,
} from '../../../simulators/exchange-message-trace/server.ts';
import { eventsOf, startRuntimeRun, type GraphRun } from '../microsoft_graph/graph-run.ts';
import { receiverFixtureForFile } from '../../../support/receiver-fixture.ts';

const SPEED = 20;
const MIN = 60_000;
const DELAY_S = 600;
const TAG = 'cloud.office365.messagetracing';

const fx = receiverFixtureForFile('trace-e2e');

/** The input's config.yaml entry, pointed at the simulator. */
function simInput(simUrl: string, id: string, environment: string, service: Record<string, unknown>) {
  return {
    id,
    environment,
    credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
    override_base_url: simUrl,
    override_login_url: `${simUrl}/`,
    services: { office365_exchange_message_service: service },
  };
}

let runs = 0;
async function setup(api: string, simOpts: ExchangeTraceSimulatorOptions) {
  const clock = scaledClock(SPEED);
  const sim = await startExchangeTraceSimulator({ clock, seed: ++runs, ...simOpts });
  const environment = `trace-${runs}`;
  const home = join(fx.dir, environment);
  const service: Record<string, unknown> = {
    api,
    request_period_in_seconds: 60,
    override_time_delay_in_seconds: DELAY_S,
    reset_persistence_auth: '2026-01-01',
  };
  const input = { ...simInput(sim.url, 'emt', environment, service), requests_per_second: 1 };
  const launch = (): Promise<GraphRun> =>
    startRuntimeRun({
      home,
      pki: fx.pki,
      receiverPort: fx.receiver.port,
      clock,
      name: 'trace-e2e',
      inputs: { office365_exchange_message: input },
    });
  const received = async () => eventsOf(await fx.receiver.lines(), environment);
  return { clock, sim, home, service, launch, received };
}

const keyOf = (r: Record<string, unknown>) =>
  `${r.MessageTraceId}|${String(r.RecipientAddress).toLowerCase()}|${String(r.Status).toLowerCase()}`;
const rowKey = (r: TraceRow, status: string) =>
  `${r.traceId}|${r.recipient.toLowerCase()}|${status.toLowerCase()}`;

function counts(events: { record: Record<string, unknown> }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) m.set(keyOf(e.record), (m.get(keyOf(e.record)) ?? 0) + 1);
  return m;
}

for (const [api, simOpts] of [
  ['graph', { graphMaxPageSize: 100 }],
  ['reporting_web_service', { legacyPageSize: 100, legacyShape: 'verbose' }],
] as const) {
  test(`${api}: every row once, status changes delivered, restart resumes, reset re-pulls, delay honoured`, async (t) => {
    const { clock, sim, service, launch: start, received } = await setup(api, simOpts);
    let current: GraphRun | undefined;
    const launch = async () => (current = await start());
    t.after(async () => {
      await current?.stop();
      await sim.close();
    });
    const t0 = clock.now();
    const final = sim.addRows({ count: 2500, from: t0 - 3 * 24 * 60 * MIN, to: t0 - 30 * MIN });
    // Pending when first read, Delivered a few simulated minutes later (seen again by the late re-read).
    const pending = sim.addRows({
      count: 60,
      from: t0 - 50 * MIN,
      to: t0 - 45 * MIN,
      pendingForMs: 55 * MIN,
    });
    // Received before the checkpoint but shown by the API only later.
    const late = sim.addRows({ count: 40, from: t0 - 40 * MIN, to: t0 - 35 * MIN, lateByMs: 45 * MIN });
    const expected = new Set<string>();
    for (const r of [...final, ...late]) expected.add(rowKey(r, r.history[0]!.status));
    for (const r of pending) {
      expected.add(rowKey(r, 'Pending'));
      expected.add(rowKey(r, 'Delivered'));
    }

    // A restart in the middle of the backlog.
    let run = await launch();
    await waitFor('500 events before the restart', async () => (await received()).length >= 500, 60_000);
    await run.stop();
    const atRestart = (await received()).length;
    assert.ok(atRestart < final.length, `stopped mid-backlog (${atRestart} sent)`);

    run = await launch();
    try {
      await waitFor(
        `all ${expected.size} row versions`,
        async () => (await received()).length >= expected.size,
        120_000,
      ).catch(async (err) => {
        const got = counts(await received());
        const missing = [...expected].filter((k) => !got.has(k)).slice(0, 5);
        const problems = run.logs.filter((l) => Number(l.level) >= 40).slice(0, 5);
        throw new Error(
          `${(err as Error).message}: missing ${JSON.stringify(missing)} logs ${JSON.stringify(problems)}`,
        );
      });
      // Two more pulls must add nothing.
      const pulls = run.logs.filter((l) => l.msg === 'Finished a pull').length;
      await waitFor(
        'two more pulls',
        () => run.logs.filter((l) => l.msg === 'Finished a pull').length >= pulls + 2,
        60_000,
      );
      const events = await received();
      const got = counts(events);
      assert.deepEqual(
        [...got.entries()].filter(([, n]) => n > 1),
        [],
        'no row version delivered twice',
      );
      assert.deepEqual([...got.keys()].sort(), [...expected].sort(), 'every row version delivered');
      for (const e of events) assert.equal(e.tag, TAG);
      assert.ok(pending.every((r) => statusAt(r, clock.now()) === 'Delivered'));
      const sample = events.find((e) => e.record.Status === 'Delivered')!.record;
      assert.match(String(sample.Received), /Z$/);
      assert.deepEqual(
        Object.keys(sample)
          .filter((k) => !k.startsWith('@'))
          .sort(),
        [
          'FromIP',
          'MessageId',
          'MessageTraceId',
          'Organization',
          'Received',
          'RecipientAddress',
          'SenderAddress',
          'Size',
          'Status',
          'Subject',
          'ToIP',
        ],
      );

      // The delay: no query ever asked for rows received after (arrival time − delay).
      const queries = sim.requestLog().filter((e) => e.window !== undefined);
      assert.ok(queries.length > 0);
      const tooNew = queries.filter((q) => q.window!.to > q.at - DELAY_S * 1000);
      assert.deepEqual(tooNew, [], 'queries reaching into the delay');
    } finally {
      await run.stop();
    }

    // A changed reset_persistence_auth wipes the state: everything still in the cutoff is sent again.
    const before = (await received()).length;
    service.reset_persistence_auth = '2026-02-01'; // the next launch writes it into config.yaml
    const visible = sim.rows().filter((r) => r.visibleAt <= clock.now());
    run = await launch();
    try {
      await waitFor(
        'the re-pulled history',
        async () => (await received()).length >= before + visible.length,
        120_000,
      ).catch(async (err) => {
        const problems = run.logs.filter(
          (l) => Number(l.level) >= 40 || /Reset|Finished a pull/.test(String(l.msg)),
        );
        throw new Error(
          `${(err as Error).message}: ${(await received()).length - before} of ${visible.length} re-sent; logs ${JSON.stringify(problems.slice(0, 6))}`,
        );
      });
      const got = counts(await received());
      for (const r of visible)
        assert.equal(got.get(rowKey(r, statusAt(r, clock.now()))), 2, 'sent again once');
      assert.ok(run.logs.some((l) => /Reset the service state/.test(String(l.msg))));
    } finally {
      await run.stop();
    }
  });
}

test('graph: a 90-day backlog is drained with no 429 and never more than 100 requests in 5 minutes', async () => {
  const clock = scaledClock(60);
  const sim = await startExchangeTraceSimulator({ clock, seed: 90, graphMaxPageSize: 100 });
  const t0 = clock.now();
  const DAY = 24 * 60 * MIN;
  sim.addRows({ count: 20_000, from: t0 - 89 * DAY, to: t0 - 26 * 60 * MIN });
  const environment = 'trace-backlog';
  const run = await startRuntimeRun({
    home: join(fx.dir, environment),
    pki: fx.pki,
    receiverPort: fx.receiver.port,
    clock,
    name: 'trace-backlog',
    inputs: {
      office365_exchange_message: {
        ...simInput(sim.url, 'backlog', environment, {}),
        max_historic_date_cutoff_days_back: 90,
      },
    },
  });
  try {
    await waitFor(
      'the 20,000-row backlog',
      async () => eventsOf(await fx.receiver.lines(), environment).length >= 20_000,
      240_000,
      500,
    );
    const graph = sim.requestLog().filter((e) => e.api === 'graph');
    assert.equal(graph.filter((e) => e.status === 429).length, 0, 'no 429');
    let busiest = 0;
    for (let i = 0, j = 0; i < graph.length; i++) {
      while (graph[j]!.at <= graph[i]!.at - 5 * MIN) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    assert.ok(busiest <= 100, `${busiest} requests in one 5-minute window`);
    assert.ok(graph.length > 200, `a real backlog: ${graph.length} requests`);
    const first = graph.find((e) => e.window)!;
    assert.ok(first.window!.from >= first.at - 90 * DAY, 'never asked for more than 90 days back');
    const elapsedMin = (graph.at(-1)!.at - graph[0]!.at) / MIN;
    const events = eventsOf(await fx.receiver.lines(), environment);
    assert.equal(new Set(events.map((e) => keyOf(e.record))).size, 20_000, 'every row once');
    console.log(
      `90-day backlog: ${graph.length} Graph requests in ${elapsedMin.toFixed(1)} simulated minutes, busiest 5 minutes ${busiest}, 429s 0`,
    );
  } finally {
    await run.stop();
    await sim.close();
  }
});
