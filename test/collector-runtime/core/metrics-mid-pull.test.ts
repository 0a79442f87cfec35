// Metrics tell the truth while a pull runs: /metrics scraped throughout a long multi-page pull shows
// events_received_total moving before the pull ends, and received ≥ sent + duplicates at every scrape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitFor } from '../../support/wait.ts';
import { startGraphSimulator } from '../../simulators/graph/server.ts';
import { runCli, writeGraphCliHome } from '../cli/cli-run.ts';
import { receiverFixtureForFile } from '../../support/receiver-fixture.ts';

const fx = receiverFixtureForFile('metrics-mid-pull', () => startGraphSimulator({ pageSize: 50 }));

/** The sum of every series of `name` whose labels include `match`. */
function sample(text: string, name: string, match = ''): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) && line.includes(match))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

test('received moves page by page and stays ≥ sent + duplicates at every scrape', async (t) => {
  const now = Date.now();
  fx.sim.addRecords('alerts_v2', 1000, { from: now - 3 * 3_600_000, to: now - 60_000 });
  fx.sim.scenario.duplicateEvery = 2; // every 2nd page repeats a record: the dedup counts it
  const home = join(fx.dir, 'home');
  await writeGraphCliHome(home, fx.pki, {
    name: 'mid-pull',
    devoPort: fx.receiver.port,
    simUrl: fx.sim.url,
    inputSettings: { requests_per_second: 3 }, // ~20 pages: a pull of several seconds
    services: {
      alerts_v2: {
        start_time_in_utc: new Date(now - 4 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    },
  });
  const run = runCli(home);
  t.after(() => run.child.kill('SIGKILL'));
  const started = await waitFor(
    'the collector to start',
    () => run.records().find((r) => r.msg === 'Started the collector'),
    60_000,
  );
  const url = `http://127.0.0.1:${String(started.metricsPort)}/metrics`;
  let scrapes = 0;
  let midPull = 0;
  let last = { received: 0, sent: 0, duplicates: 0 };
  await waitFor(
    'the first pull to finish',
    async () => {
      const text = await (await fetch(url)).text();
      const received = sample(text, 'devo_collector_events_received_total', 'service="alerts_v2"');
      const duplicates = sample(text, 'devo_collector_events_duplicated_total', 'service="alerts_v2"');
      const sent = sample(text, 'devo_collector_events_sent_total', 'service="alerts_v2"');
      const pulls = sample(text, 'devo_collector_pulls_total', 'service="alerts_v2"');
      scrapes++;
      assert.ok(
        received >= sent + duplicates,
        `scrape ${scrapes}: received ${received} < sent ${sent} + duplicates ${duplicates}`,
      );
      if (pulls === 0 && received > 0) midPull++;
      last = { received, sent, duplicates };
      return pulls > 0;
    },
    120_000,
    100,
  );
  console.log(
    `${scrapes} scrapes, ${midPull} mid-pull with received > 0; at the end received ${last.received}, ` +
      `sent ${last.sent}, duplicates ${last.duplicates}`,
  );
  assert.ok(midPull >= 3, `received moved during the pull (${midPull} scrapes)`);
  assert.equal(last.sent, 1000);
  assert.ok(last.duplicates > 0, 'the scenario produced duplicates');
  run.child.kill('SIGTERM');
  assert.equal(await run.exit, 0);
  run.records(); // no log line repeats a key
});
