import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphData } from './graph-data.ts';
import { GRAPH_SERVICES, type GraphService } from './endpoints.ts';
import { SIM_TENANT_ID } from './server.ts';

const T0 = Date.UTC(2024, 4, 1);
const RANGE = { from: T0, to: T0 + 3 * 86_400_000 };

function fill(seed: number, order: readonly GraphService[] = GRAPH_SERVICES): GraphData {
  const data = new GraphData(seed, SIM_TENANT_ID, T0);
  for (const service of order) data.addRecords(service, 40, RANGE);
  return data;
}

test('same seed, same records; another seed, other records', () => {
  const a = fill(7);
  const b = fill(7);
  const c = fill(8);
  for (const service of GRAPH_SERVICES) {
    assert.deepEqual(a.records(service), b.records(service), service);
    assert.notDeepEqual(a.records(service), c.records(service), service);
  }
});

test("a service's records do not depend on what was generated for other services", () => {
  const forward = fill(7);
  const backward = fill(7, [...GRAPH_SERVICES].reverse());
  // signIns and signIns_v2 share one store, so compare contents regardless of insertion order.
  const sorted = (data: GraphData, service: GraphService) =>
    [...data.records(service)].sort((x, y) => (x.id < y.id ? -1 : 1));
  for (const service of GRAPH_SERVICES) {
    assert.deepEqual(sorted(forward, service), sorted(backward, service), service);
  }
});

test('ids are unique per service', () => {
  const data = new GraphData(11, SIM_TENANT_ID, T0);
  for (const service of GRAPH_SERVICES) {
    data.addRecords(service, 500, { from: T0, to: T0 + 400 * 86_400_000 });
    const ids = data.records(service).map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, service);
  }
});

test('time fields fall inside the requested range, with Graph-style 7-digit fractions', () => {
  const data = new GraphData(1, SIM_TENANT_ID, T0);
  const fields: [GraphService, string][] = [
    ['directory_audits', 'activityDateTime'],
    ['provisioning_audits', 'activityDateTime'],
    ['signIns_v2', 'createdDateTime'],
    ['alerts', 'createdDateTime'],
    ['alerts_v2', 'lastUpdateDateTime'],
  ];
  for (const [service, field] of fields) {
    for (const record of data.addRecords(service, 200, { from: T0, to: T0 + 60_000 })) {
      const value = String(record[field]);
      assert.match(value, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/, service);
      const ms = Date.parse(value);
      assert.ok(ms >= T0 && ms < T0 + 60_000, `${service} ${value}`);
    }
  }
});

test('records carry the awkward text collectors must survive', () => {
  const data = fill(3);
  const text = GRAPH_SERVICES.map((s) => JSON.stringify(data.records(s))).join('\n');
  assert.ok(text.includes('Zoë Ångström'));
  assert.ok(text.includes("Seán O'Brien"));
  assert.ok(text.includes('\\"'), 'an embedded double quote');
  assert.ok(text.includes('\\n'), 'an embedded newline');
  assert.ok(text.includes('\u200b'), 'the zero-width space in a real Defender title');
});

test('legacy alerts come from the known providers plus an unknown one', () => {
  const data = new GraphData(2, SIM_TENANT_ID, T0);
  const providers = new Set(
    data
      .addRecords('alerts', 400, RANGE)
      .map((r) => (r['vendorInformation'] as { provider: string }).provider),
  );
  for (const p of ['IPC', 'MCAS', 'Microsoft Defender ATP', 'Azure Sentinel', 'ASC', 'Contoso Custom']) {
    assert.ok(providers.has(p), p);
  }
});

test('secure scores: at most one per UTC day, id {tenantId}_{yyyy-MM-dd}', () => {
  const data = new GraphData(2, SIM_TENANT_ID, T0);
  const first = data.addRecords('secure_scores', 5, RANGE);
  assert.deepEqual(
    first.map((r) => r.id),
    [`${SIM_TENANT_ID}_2024-05-01`, `${SIM_TENANT_ID}_2024-05-02`, `${SIM_TENANT_ID}_2024-05-03`],
  );
  assert.equal(first[0]?.['createdDateTime'], '2024-05-01T00:00:00Z');
  assert.equal(data.addRecords('secure_scores', 5, RANGE).length, 0, 'days already scored are skipped');
  assert.equal(data.insertLate('secure_scores', 1, T0 - 3_600_000)[0]?.id, `${SIM_TENANT_ID}_2024-04-30`);
});

test('insertLate stamps exactly the given time', () => {
  const data = new GraphData(2, SIM_TENANT_ID, T0);
  const late = data.insertLate('signIns', 3, T0 + 1234);
  assert.ok(late.every((r) => r['createdDateTime'] === '2024-05-01T00:00:01.2340000Z'));
  assert.deepEqual(
    data.records('signIns').map((r) => r.id),
    late.map((r) => r.id),
  );
});
