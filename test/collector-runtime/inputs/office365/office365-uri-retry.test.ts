// A blob that keeps failing past the HTTP client's retries: the content service hands it to uri_retry and
// moves on; uri_retry fetches it once the API recovers, so its records arrive (deduplicated against the
// owning service's filter and tagged as it would) and nothing is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scaledClock } from '../../../../collector-runtime/src/core/clock.ts';
import { waitFor } from '../../../support/wait.ts';
import { startOffice365Simulator } from '../../../simulators/office365/server.ts';
import { eventsOf } from '../microsoft_graph/graph-run.ts';
import { expectedTag, startOffice365Run } from './office365-run.ts';
import { receiverFixtureForFile } from '../../../support/receiver-fixture.ts';

const DAY = 86_400_000;
const fx = receiverFixtureForFile('o365-retry');

test('uri_retry delivers a blob that failed in its content service', async (t) => {
  const clock = scaledClock(50);
  const sim = await startOffice365Simulator({ clock, seed: 5 });
  t.after(() => sim.close());
  const now = clock.now();
  sim.addActivity('DLP.All', 2000, { from: now - 3 * DAY, to: now - 2 * DAY }, { lateRate: 0 });
  const failing = sim.blobs('DLP.All')[2]!;
  // More failures than the HTTP client's retries of one fetch, fewer than a later pull's.
  sim.scenario.failContent = { contentId: failing.contentId, count: 8 };
  const expected = new Map(sim.distinct('DLP.All').map((r) => [r.Id, expectedTag(r)]));

  const environment = 'o365-retry';
  const run = await startOffice365Run({
    home: join(fx.dir, environment),
    pki: fx.pki,
    receiverPort: fx.receiver.port,
    sim,
    environment,
    clock,
    services: {
      dlp: { override_bloom_filter_size: 100_000, override_bloom_filter_buffer_size: 1000 },
      uri_retry: { request_period_in_seconds: 60 },
    },
  });
  try {
    const received = async () => eventsOf(await fx.receiver.lines(), environment);
    await waitFor('every DLP record', async () => (await received()).length >= expected.size, 60_000, 200);
    await new Promise((r) => setTimeout(r, 500));
    const events = await received();
    assert.equal(events.length, expected.size, 'each record once');
    for (const e of events) assert.equal(e.tag, expected.get(String(e.record.Id)));
    const fetches = sim
      .stats()
      .requestLog.filter(
        (r) => r.operation === 'blob' && r.path.includes(encodeURIComponent(failing.contentId).slice(0, 20)),
      );
    assert.ok(fetches.some((r) => r.status === 500) && fetches.at(-1)!.status === 200);
    assert.equal(sim.scenario.failContent?.count, 0);
  } finally {
    await run.stop();
  }
});
