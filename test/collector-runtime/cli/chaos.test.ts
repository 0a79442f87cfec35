// Chaos, end to end: the Graph simulator with faults (5xx, 429, repeated records), the real CLI SIGKILLed
// several times mid-pull, the rsyslog receiver hung (SIGSTOP) longer than any output timer of the runtime,
// then crashed (SIGKILL) and restarted. Zero events may be lost; every duplicate must be explained by a
// resend (logged per lost connection) or by the re-read after a kill (what the saved checkpoint did not
// cover); the final SIGTERM exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '../../support/wait.ts';
import { startGraphSimulator } from '../../simulators/graph/server.ts';
import { eventsOf, type ReceivedEvent } from '../inputs/microsoft_graph/graph-run.ts';
import { runCli, writeGraphCliHome, type CliRun } from './cli-run.ts';
import { receiverFixtureForFile } from '../../support/receiver-fixture.ts';

const TOTAL = 3000;
const LATE_SECONDS = 900;
const ENV = 'chaos';
const fx = receiverFixtureForFile('chaos', () => startGraphSimulator({ pageSize: 100 }));

const keyOf = (e: ReceivedEvent) => `${String(e.record.id)}@${String(e.record.lastUpdateDateTime)}`;

test('SIGKILLs, a hung then crashed receiver and API faults: nothing lost, duplicates explained', async (t) => {
  const now = Date.now();
  fx.sim.addRecords('alerts_v2', TOTAL, { from: now - 3 * 3_600_000, to: now - 60_000 });
  fx.sim.scenario.duplicateEvery = 4;
  const home = join(fx.dir, 'home');
  // Output timers far below the receiver's 12 s hang: every one of them fires while it is hung.
  const output = {
    connect_timeout_seconds: 2,
    close_timeout_seconds: 2,
    idle_reconnect_seconds: 3,
    max_connection_age_seconds: 6,
    reconnect_initial_seconds: 0.2,
    reconnect_max_seconds: 2,
    queue_max_events: 500, // the hang pauses the pulls instead of queueing the whole backlog
  };
  await writeGraphCliHome(home, fx.pki, {
    name: ENV,
    devoPort: fx.receiver.port,
    simUrl: fx.sim.url,
    inputSettings: { requests_per_second: 1 }, // ~100 events/s: the kills land mid-pull
    services: {
      alerts_v2: {
        start_time_in_utc: new Date(now - 4 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        late_arrival_window_in_seconds: LATE_SECONDS,
      },
    },
    globals: { shutdown_timeout_seconds: 10 },
    output,
  });
  const stateFile = join(home, 'state', 'microsoft_graph_security.sec.alerts_v2.json');
  const received = async () => eventsOf(await fx.receiver.lines(), ENV);
  const runs: CliRun[] = [];
  const start = async () => {
    const run = runCli(home);
    t.after(() => run.child.kill('SIGKILL'));
    runs.push(run);
    await waitFor(
      'the collector to start',
      () => run.records().some((r) => r.msg === 'Started the collector'),
      60_000,
    );
    return run;
  };
  const advance = async (n: number) => {
    const from = (await received()).length;
    await waitFor(`${n} more events`, async () => (await received()).length >= from + n, 90_000, 100);
  };
  let kills = 0;
  let rereadBound = 0;
  /** SIGKILL, then count what the restart may send again: received, but not covered by the checkpoint. */
  const kill = async (run: CliRun) => {
    run.child.kill('SIGKILL');
    await run.exit;
    kills++;
    const state = await readFile(stateFile, 'utf8').then(
      (s) => JSON.parse(s) as { data: { last_event_time_in_utc?: string; last_ids?: [string, number][] } },
      () => undefined,
    );
    const covered = new Set((state?.data.last_ids ?? []).map(([k]) => k));
    const resumeAt = state?.data.last_event_time_in_utc
      ? Date.parse(state.data.last_event_time_in_utc) - LATE_SECONDS * 1000
      : -Infinity;
    for (const e of await received())
      if (!covered.has(keyOf(e)) && Date.parse(String(e.record.lastUpdateDateTime)) >= resumeAt)
        rereadBound++;
  };

  // Two kills mid-pull, with API faults in the way.
  for (let i = 0; i < 2; i++) {
    fx.sim.scenario.force5xx = { count: 2 };
    fx.sim.scenario.force429 = { count: 2 };
    const run = await start();
    await advance(200);
    await kill(run);
  }

  // The receiver hangs for longer than any output timer, then crashes and comes back.
  let receiverCrashes = 0;
  const survivor = await start();
  await advance(200);
  fx.receiver.hang();
  const hungAt = (await received()).length;
  await new Promise((r) => setTimeout(r, 12_000));
  await fx.receiver.kill('SIGKILL');
  receiverCrashes++;
  await fx.receiver.restart();
  await waitFor(
    'the resend after the crash',
    async () => (await received()).length > hungAt + 100,
    60_000,
    100,
  );
  await advance(100);
  await kill(survivor);

  // A last kill, then a run to the end, stopped with SIGTERM.
  const third = await start();
  await advance(150);
  await kill(third);
  const last = await start();
  await waitFor(
    'every record at the receiver, and a pull of the last run done',
    async () =>
      new Set((await received()).map(keyOf)).size >= TOTAL &&
      last.records().some((r) => r.msg === 'Finished a pull'),
    120_000,
    200,
  );
  last.child.kill('SIGTERM');
  const exitCode = await last.exit;

  const events = await received();
  const unique = new Set(events.map(keyOf));
  const expected = fx.sim.records('alerts_v2').map((r) => `${r.id}@${String(r.lastUpdateDateTime)}`);
  const lost = expected.filter((k) => !unique.has(k)).length;
  const duplicates = events.length - unique.size;
  let resent = 0;
  for (const run of runs)
    for (const r of run.records())
      if (r.msg === 'Lost connection to Devo') resent += Number(r.resendEvents ?? 0);
  console.log(
    `chaos: ${TOTAL} records, lost ${lost}, duplicates ${duplicates} (resent ${resent} + re-read after kills ≤ ` +
      `${rereadBound}), runtime kills ${kills}, receiver crashes ${receiverCrashes} (after a 12 s hang), ` +
      `final exit ${exitCode}`,
  );
  assert.equal(lost, 0, `${lost} records never arrived`);
  assert.ok(
    duplicates <= resent + rereadBound,
    `duplicates ${duplicates} > resent ${resent} + re-read ${rereadBound}`,
  );
  assert.ok(resent > 0, 'the receiver crash made the runtime resend');
  assert.equal(exitCode, 0, last.logs().slice(-3000));
});
