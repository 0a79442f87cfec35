import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGraphSimulator, type GraphRecord, type GraphSimulator } from './server.ts';
import { getToken, graphGet, query } from './sim-client.ts';

const T0 = Date.UTC(2024, 4, 1);
const HOUR = 3_600_000;
let sim: GraphSimulator;
let token: string;

before(async () => {
  sim = await startGraphSimulator({ seed: 5, throttle: false });
  sim.addRecords('alerts_v2', 1200, { from: T0, to: T0 + 10 * HOUR });
  sim.addRecords('alerts', 30, { from: T0, to: T0 + HOUR });
  token = await getToken(sim);
});
after(() => sim.close());

const ALERTS_V2 = '/v1.0/security/alerts_v2';

test('force429: the next N Graph requests get 429 with the given Retry-After, or none', async () => {
  sim.scenario = { force429: { count: 2, retryAfter: '2.5' } };
  const first = await graphGet(sim, '/v1.0/auditLogs/directoryAudits', token);
  const second = await graphGet(sim, ALERTS_V2, token);
  const third = await graphGet(sim, ALERTS_V2, token);
  assert.equal(first.status, 429);
  assert.equal(first.headers.get('retry-after'), '2.5');
  assert.equal(first.body.error?.code, 'TooManyRequests');
  assert.equal(second.status, 429);
  assert.equal(third.status, 200);

  sim.scenario = { force429: { count: 1, retryAfter: null } };
  const bare = await graphGet(sim, ALERTS_V2, token);
  assert.equal(bare.status, 429);
  assert.equal(bare.headers.get('retry-after'), null);

  sim.scenario = { force429: { count: 1 } };
  assert.equal((await graphGet(sim, ALERTS_V2, token)).headers.get('retry-after'), '0.25');
  sim.scenario = {};
});

test('force5xx: 503 by default, or the given status', async () => {
  sim.scenario = { force5xx: { count: 1 } };
  const unavailable = await graphGet(sim, ALERTS_V2, token);
  assert.equal(unavailable.status, 503);
  assert.equal(unavailable.body.error?.code, 'ServiceNotAvailable');
  sim.scenario = { force5xx: { count: 1, status: 500 } };
  assert.equal((await graphGet(sim, ALERTS_V2, token)).status, 500);
  assert.equal((await graphGet(sim, ALERTS_V2, token)).status, 200);
  sim.scenario = {};
});

test('alerts_v2 by default: no nextLink, $top clamped to 1000, $skip above 500 is a 400', async () => {
  const full = await graphGet(sim, query(ALERTS_V2, { $top: 5000 }), token);
  assert.equal(full.status, 200);
  assert.equal(full.body.value?.length, 1000);
  assert.equal(full.body['@odata.nextLink'], undefined);
  const skipped = await graphGet(
    sim,
    query(ALERTS_V2, { $top: 100, $skip: 500, $orderby: 'lastUpdateDateTime asc' }),
    token,
  );
  assert.equal(skipped.status, 200);
  assert.equal(skipped.body.value?.length, 100);
  const tooFar = await graphGet(sim, query(ALERTS_V2, { $skip: 501 }), token);
  assert.equal(tooFar.status, 400);
  assert.equal(tooFar.body.error?.code, 'BadRequest');
});

/** The time-boundary strategy peers adopted (elastic/integrations#20348). */
async function collectByWatermark(since: string): Promise<{ records: GraphRecord[]; watermark: string }> {
  const records: GraphRecord[] = [];
  let watermark = since;
  for (;;) {
    const page = await graphGet(
      sim,
      query(ALERTS_V2, {
        $top: 1000,
        $orderby: 'lastUpdateDateTime asc',
        $filter: `lastUpdateDateTime gt ${watermark}`,
      }),
      token,
    );
    const value = page.body.value ?? [];
    records.push(...value);
    if (value.length > 0) watermark = String(value.at(-1)?.['lastUpdateDateTime']);
    if (value.length < 1000) return { records, watermark };
  }
}

test('alerts_v2: paging by lastUpdateDateTime collects everything; an update re-appears as a new version', async () => {
  const { records, watermark } = await collectByWatermark('2024-04-30T00:00:00Z');
  assert.equal(records.length, 1200);
  assert.equal(new Set(records.map((r) => r.id)).size, 1200);

  const target = records[10];
  assert.ok(target !== undefined);
  const updated = sim.updateAlertV2(target.id, T0 + 11 * HOUR);
  assert.equal(updated.id, target.id);
  assert.equal(updated['lastUpdateDateTime'], '2024-05-01T11:00:00.0000000Z');
  assert.equal(updated['status'], 'inProgress');
  assert.equal(sim.records('alerts_v2').length, 1200);

  const delta = await collectByWatermark(watermark);
  assert.deepEqual(
    delta.records.map((r) => [r.id, r['status']]),
    [[target.id, 'inProgress']],
  );
});

test('alertsV2NextLink: true makes alerts_v2 page with nextLink like the others', async () => {
  sim.scenario = { alertsV2NextLink: true };
  const page = await graphGet(sim, query(ALERTS_V2, { $top: 1000 }), token);
  sim.scenario = {};
  assert.ok(page.body['@odata.nextLink']?.startsWith(sim.url));
});

test('legacy alerts: every 5th response is 206 Partial Content with a Warning header but full data', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const res = await graphGet(sim, '/v1.0/security/alerts', token);
    statuses.push(res.status);
    assert.equal(res.body.value?.length, 30);
    if (res.status === 206)
      assert.match(res.headers.get('warning') ?? '', /^199 - "[^/]+\/[^/]+\/504\/\d+"$/);
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 206, 200, 200, 200, 200, 206]);
  sim.scenario = { alertsPartialEvery: 0 };
  for (let i = 0; i < 5; i++) assert.equal((await graphGet(sim, '/v1.0/security/alerts', token)).status, 200);
  sim.scenario = {};
});

test('methods other than GET on a collection are rejected', async () => {
  const res = await fetch(`${sim.url}${ALERTS_V2}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 405);
  await res.body?.cancel();
});
