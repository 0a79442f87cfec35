// SIGTERM during a pull: the CLI stops pulling, flushes the output queue, persists the checkpoint and
// exits 0; a restart resumes from that checkpoint and the union is exactly the simulator's records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIM_CLIENT_SECRET, startGraphSimulator } from '../../simulators/graph/server.ts';
import { eventsOf } from '../inputs/microsoft_graph/graph-run.ts';
import { waitFor } from '../../support/wait.ts';
import { runCli, writeGraphCliHome } from './cli-run.ts';
import { receiverFixtureForFile } from '../../support/receiver-fixture.ts';

const fx = receiverFixtureForFile('shutdown', () => startGraphSimulator({ pageSize: 100 }));

test('SIGTERM mid-pull flushes, persists and exits 0; the restart resumes with no gap and no duplicate', async () => {
  const now = Date.now();
  fx.sim.addRecords('alerts_v2', 1200, { from: now - 3 * 3_600_000, to: now - 60_000 });
  const home = join(fx.dir, 'home');
  await writeGraphCliHome(home, fx.pki, {
    name: 'shutdown',
    devoPort: fx.receiver.port,
    simUrl: fx.sim.url,
    inputSettings: { requests_per_second: 2 }, // slow enough that SIGTERM lands mid-pull
    services: {
      alerts_v2: {
        start_time_in_utc: new Date(now - 4 * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    },
  });
  const received = async () => eventsOf(await fx.receiver.lines(), 'shutdown');

  const first = runCli(home);
  await waitFor('the first pages', async () => (await received()).length >= 200, 60_000, 100);
  first.child.kill('SIGTERM');
  const t0 = Date.now();
  assert.equal(await first.exit, 0, first.logs());
  assert.ok(Date.now() - t0 < 15_000, 'stopped within the shutdown bound');
  assert.ok(first.records().some((r) => r.msg === 'Stopped the collector'));
  assert.doesNotMatch(first.logs(), new RegExp(SIM_CLIENT_SECRET.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

  const stateFile = join(home, 'state', 'microsoft_graph_security.sec.alerts_v2.json');
  const state = JSON.parse(await readFile(stateFile, 'utf8'));
  const delivered = new Set((await received()).map((e) => `${e.record.id}@${e.record.lastUpdateDateTime}`));
  const checkpointed: string[] = state.data.last_ids.map(([k]: [string]) => k);
  assert.ok(
    checkpointed.length > 0 && checkpointed.length < 1200,
    `stopped mid-pull (${checkpointed.length} checkpointed)`,
  );
  for (const k of checkpointed)
    assert.ok(delivered.has(k), `checkpointed ${k} was delivered before the checkpoint`);

  const second = runCli(home);
  try {
    await waitFor('the rest after the restart', async () => (await received()).length >= 1200, 90_000, 100);
    await new Promise((r) => setTimeout(r, 1000));
    const ids = (await received()).map((e) => String(e.record.id)).sort();
    assert.deepEqual(
      ids,
      fx.sim
        .records('alerts_v2')
        .map((r) => r.id)
        .sort(),
    );
  } finally {
    second.child.kill('SIGTERM');
    assert.equal(await second.exit, 0);
    second.records(); // no log line repeats a key
  }
});
