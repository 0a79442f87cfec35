// End to end: Office 365 simulator → the real runtime → rsyslog over mutual TLS. A week of content of
// the five content types (200,000 distinct records, 6% served again within blobs, across blobs and days
// later) arrives exactly once with the tags of the product's tables; duplicates are counted. Simulated
// time runs 20× faster for both sides, so the tenant's request budget holds as in production.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scaledClock } from '../../../../collector-runtime/src/core/clock.ts';
import {
  startOffice365Simulator,
  CONTENT_TYPES,
  type ContentType,
} from '../../../simulators/office365/server.ts';
import { eventsOf } from '../microsoft_graph/graph-run.ts';
import { expectedTag, SERVICE_OF, startOffice365Run } from './office365-run.ts';
import { counter } from '../../../support/runtime-run.ts';
import { receiverFixtureForFile } from '../../../support/receiver-fixture.ts';

const SPEED = 20;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const fx = receiverFixtureForFile('o365-e2e');

const VOLUME: Readonly<Record<ContentType, number>> = {
  'Audit.AzureActiveDirectory': 50_000,
  'Audit.Exchange': 50_000,
  'Audit.SharePoint': 50_000,
  'Audit.General': 30_000,
  'DLP.All': 20_000,
};

test(
  'a week of five content types: every distinct record once, tagged by workload, duplicates counted, expired content counted as lost',
  { timeout: 600_000 },
  async (t) => {
    const clock = scaledClock(SPEED);
    const sim = await startOffice365Simulator({ clock, seed: 7, pageSize: 50 });
    t.after(() => sim.close());
    const now = clock.now();
    // Events of the week; each becomes available 1–1.5 h later (2% of them days later).
    for (const type of CONTENT_TYPES)
      sim.addActivity(
        type,
        VOLUME[type],
        { from: now - 6.9 * DAY, to: now - 3.1 * DAY },
        { blobSize: [150, 450] },
      );
    // One blob expires before the collector gets to it.
    const lostBlob = sim.blobs('Audit.Exchange')[3]!;
    sim.expire(lostBlob.contentId);

    const expected = new Map<string, string>();
    let served = 0;
    for (const type of CONTENT_TYPES)
      for (const blob of sim.blobs(type)) {
        if (blob.contentId === lostBlob.contentId) continue;
        served += blob.records.length;
        for (const r of blob.records) expected.set(r.Id, expectedTag(r));
      }
    const distinct = CONTENT_TYPES.reduce((n, type) => n + sim.distinct(type).length, 0);
    assert.equal(distinct, 200_000);
    assert.ok((served - expected.size) / expected.size >= 0.05, 'at least 5% duplicates served');

    const environment = 'o365-week';
    const bloom = { override_bloom_filter_size: 200_000, override_bloom_filter_buffer_size: 20_000 };
    const services = Object.fromEntries(
      CONTENT_TYPES.map((type) => [SERVICE_OF[type], { ...bloom, request_period_in_seconds: 60 }]),
    );
    const run = await startOffice365Run({
      home: join(fx.dir, environment),
      pki: fx.pki,
      receiverPort: fx.receiver.port,
      sim,
      environment,
      clock,
      services: { ...services, uri_retry: { request_period_in_seconds: 60 } },
    });
    try {
      const received = async () => eventsOf(await fx.receiver.lines(), environment);
      // Counting lines reads only what was appended (the receiver serves this one test).
      // CPU bound (about 0.45 ms per record on one core): minutes on an idle 2-core CI machine, so this test
      // has its own timeout above the runner's 180 s. The oldest blob (6.86 simulated days old) stays within
      // the 7-day retention for 600 s at this speed, so the wait ends before the data could expire.
      await fx.receiver.waitForCount(expected.size, 540_000).catch(async (err: Error) => {
        const problems = run.logs.filter((l) => Number(l.level) >= 40).slice(0, 5);
        throw new Error(`${err.message}; logs ${JSON.stringify(problems)}`);
      });
      // Another pull of every service (60 simulated seconds) must add nothing.
      await new Promise((r) => setTimeout(r, (70 * 1000) / SPEED));
      const events = await received();
      const ids = events.map((e) => String(e.record.Id));
      assert.equal(new Set(ids).size, ids.length, 'no record delivered twice');
      assert.equal(ids.length, expected.size, 'every distinct record delivered');
      for (const e of events) assert.equal(e.tag, expected.get(String(e.record.Id)), `tag of ${e.record.Id}`);
      const tags = new Set(events.map((e) => e.tag));
      for (const tag of [
        'azureactivedirectory',
        'exchange',
        'sharepoint',
        'onedrive',
        'microsoftteams',
        'powerbi',
      ])
        assert.ok(tags.has(`cloud.office365.management.${tag}`), tag);

      assert.equal(
        await counter(run, 'devo_collector_events_received_total', { input: 'office365' }),
        served,
      );
      assert.equal(
        await counter(run, 'devo_collector_events_duplicated_total', { input: 'office365' }),
        served - expected.size,
      );
      assert.equal(
        await counter(run, 'devo_collector_events_lost_total', {
          service: 'exchange',
          reason: 'content_expired',
        }),
        1,
      );
      const fill = await run.runtime.metrics.registry
        .getSingleMetric('devo_collector_dedup_filter_fill_ratio')
        ?.get();
      const aad = fill?.values.find((v) => v.labels.service === 'azure_active_directory');
      assert.ok(aad && aad.value > 0.24 && aad.value <= 0.25, `fill ratio ${aad?.value}`);
      const stats = sim.stats();
      assert.equal(stats.withoutPublisherIdentifier, 0, 'PublisherIdentifier on every call');
      assert.equal(stats.requests.start, 5, 'each subscription started once');
    } finally {
      await run.stop();
    }
  },
);
