// SIGKILL in the middle of a pull of the real CLI, then a restart: nothing is missing, and the records the
// simulator serves again after the restart (duplicates across blobs of records delivered before the
// kill) are filtered by the Bloom filter and recent hashes persisted with the checkpoint, which is the
// only memory the new process has of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCollectorCli } from '../../../support/collector-cli.ts';
import { SIM_CLIENT_SECRET, startOffice365Simulator } from '../../../simulators/office365/server.ts';
import { eventsOf } from '../microsoft_graph/graph-run.ts';
import { writeOffice365Config } from './office365-run.ts';
import { receiverFixtureForFile } from '../../../support/receiver-fixture.ts';

const DAY = 86_400_000;
const PAGE = 10; // descriptors per listing page: one checkpoint per 10 blobs
const MAX_BLOB = 60;
const fx = receiverFixtureForFile('o365-kill');

const runCli = (home: string) => runCollectorCli(home, { O365_SECRET: SIM_CLIENT_SECRET });

test('SIGKILL mid-pull and restart: no gap, and repeats are filtered by the persisted filter and buffer', async (t) => {
  const sim = await startOffice365Simulator({ seed: 11, pageSize: PAGE });
  t.after(() => sim.close());
  const now = Date.now();
  sim.addActivity(
    'Audit.SharePoint',
    10_000,
    { from: now - 6 * DAY, to: now - 4 * DAY },
    { duplicateRate: 0.25, blobSize: [20, MAX_BLOB] },
  );
  const distinct = new Set(sim.distinct('Audit.SharePoint').map((r) => r.Id));
  const home = join(fx.dir, 'home');
  const environment = 'o365-kill';
  await writeOffice365Config({
    home,
    pki: fx.pki,
    receiverPort: fx.receiver.port,
    sim,
    environment,
    // Slow enough that the kill lands mid-pull.
    input: { requests_per_second: 25 },
    services: {
      sharepoint: {
        start_time_in_utc: new Date(now - 6.5 * DAY).toISOString().replace(/\.\d+Z$/, 'Z'),
        override_bloom_filter_size: 100_000,
        override_bloom_filter_buffer_size: 1000,
      },
    },
  });
  const received = async () => eventsOf(await fx.receiver.lines(), environment);

  const first = runCli(home);
  await fx.receiver.waitForCount(3000, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${first.logs().slice(-3000)}`);
  });
  first.child.kill('SIGKILL');
  await first.exit;
  const killedAt = Date.now();
  const before = await received();
  assert.ok(before.length < distinct.size, `killed mid-pull (${before.length} delivered)`);
  const deliveredBefore = new Set(before.map((e) => String(e.record.Id)));
  const state = JSON.parse(await readFile(join(home, 'state', 'office365.o365.sharepoint.json'), 'utf8')) as {
    data: { content_ids: unknown[]; dedup: { filter?: { content: string }; buffer: string } };
  };
  assert.ok(state.data.content_ids.length > 0, 'blobs delivered are checkpointed');
  assert.ok(state.data.dedup.filter && state.data.dedup.buffer.length > 0, 'filter and buffer persisted');

  const second = runCli(home);
  try {
    await fx.receiver.waitForCount(distinct.size, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${second.logs().slice(-3000)}`);
    });
    // One more listing of the same window must add nothing.
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    second.child.kill('SIGTERM');
    assert.equal(await second.exit, 0, second.logs().slice(-3000));
  }
  const events = await received();
  const ids = events.map((e) => String(e.record.Id));
  assert.deepEqual(new Set(ids), distinct, 'every distinct record arrived (no gap)');

  // Records delivered before the kill that the simulator served again to the new process.
  const fetchedAfter = new Set(
    sim
      .stats()
      .requestLog.filter((r) => r.operation === 'blob' && r.status === 200 && r.at >= killedAt)
      .map((r) => decodeURIComponent(new URL(r.path, sim.url).pathname.split('/').at(-1)!)),
  );
  const reServed = new Set<string>();
  for (const blob of sim.blobs('Audit.SharePoint'))
    if (fetchedAfter.has(blob.contentId))
      for (const r of blob.records) if (deliveredBefore.has(r.Id)) reServed.add(r.Id);
  const repeats = ids.length - distinct.size;
  assert.ok(reServed.size > 0, 'the restart re-served records delivered before the kill');
  // At most the page being committed when the process died is delivered twice (at-least-once), never
  // the re-served records as a whole.
  assert.ok(repeats <= PAGE * MAX_BLOB * 1.25, `${repeats} repeats`);
  assert.ok(repeats < reServed.size, `${repeats} repeats of ${reServed.size} re-served`);
});
