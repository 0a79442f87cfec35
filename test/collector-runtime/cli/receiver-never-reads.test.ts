// A Devo receiver that accepts but never reads (rsyslog SIGSTOPped mid-stream, with a large backlog at the
// source): the runtime's memory stays bounded (its RSS is printed) and the pulls pause instead of queueing
// the backlog; once the receiver reads again, everything arrives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../support/wait.ts';
import { startGraphSimulator } from '../../simulators/graph/server.ts';
import { eventsOf } from '../inputs/microsoft_graph/graph-run.ts';
import { runCli, writeGraphCliHome } from './cli-run.ts';
import { receiverFixtureForFile } from '../../support/receiver-fixture.ts';

const TOTAL = 20_000;
const fx = receiverFixtureForFile('never-reads', () => startGraphSimulator({ pageSize: 1000 }));

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

test('a receiver that never reads: RSS bounded, pulls paused, nothing lost once it reads again', async (t) => {
  const now = Date.now();
  fx.sim.addRecords('alerts_v2', TOTAL, { from: now - 3 * 3_600_000, to: now - 60_000 });
  const home = join(fx.dir, 'home');
  await writeGraphCliHome(home, fx.pki, {
    name: 'never-reads',
    devoPort: fx.receiver.port,
    simUrl: fx.sim.url,
    inputSettings: { requests_per_second: 5 },
    services: {
      alerts_v2: {
        start_time_in_utc: new Date(now - 4 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    },
    // Timers longer than the hang: this is about memory and back-pressure, not about reconnects.
    output: { idle_reconnect_seconds: 120, max_connection_age_seconds: 600, close_timeout_seconds: 5 },
  });
  const run = runCli(home);
  t.after(() => run.child.kill('SIGKILL'));
  const started = await waitFor(
    'the collector to start',
    () => run.records().find((r) => r.msg === 'Started the collector'),
    60_000,
  );
  const metrics = async () => (await fetch(`http://127.0.0.1:${String(started.metricsPort)}/metrics`)).text();
  const requests = async () => {
    let n = 0;
    for (const l of (await metrics()).split('\n'))
      if (l.startsWith('devo_collector_api_requests_total{') && l.includes('alerts_v2'))
        n += Number(l.slice(l.lastIndexOf(' ') + 1));
    return n;
  };
  const received = async () => eventsOf(await fx.receiver.lines(), 'never-reads').length;
  await waitFor('the first events', async () => (await received()) >= 1000, 60_000, 100);
  fx.receiver.hang();
  const pid = run.child.pid!;
  // Let the buffers fill and the pulls run into the back-pressure, then watch for 10 s.
  await new Promise((r) => setTimeout(r, 5_000));
  const requestsAtStart = await requests();
  let peak = 0;
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    const rss = rssMiB(pid);
    samples.push(Math.round(rss));
    peak = Math.max(peak, rss);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  const requestsAtEnd = await requests();
  const readSoFar = await received();
  console.log(
    `receiver never reads: runtime RSS over 10 s ${samples.join(', ')} MiB (peak ${Math.round(peak)}), ` +
      `API requests while blocked ${requestsAtEnd - requestsAtStart}, ${readSoFar} of ${TOTAL} read before the hang`,
  );
  // Paused: at most the request that was in flight when the queue filled.
  assert.ok(
    requestsAtEnd - requestsAtStart <= 1,
    `pulls kept going: ${requestsAtEnd - requestsAtStart} requests`,
  );
  // Bounded: queue (64 MiB) + resend buffer (16 MiB) at most, far below the backlog it would take.
  assert.ok(peak < 400, `RSS ${Math.round(peak)} MiB`);

  fx.receiver.resume();
  await waitFor('every event once the receiver reads', async () => (await received()) >= TOTAL, 120_000, 500);
  run.child.kill('SIGTERM');
  assert.equal(await run.exit, 0);
  run.records();
});
