import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGraphSimulator, type GraphRecord, type GraphService, type GraphSimulator } from './server.ts';
import { collectAll, getToken, graphGet, ids, query, windowFilter } from './sim-client.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);
let sim: GraphSimulator;
let token: string;

before(async () => {
  sim = await startGraphSimulator({ seed: 42, throttle: false });
  token = await getToken(sim);
});
after(() => sim.close());

const timeOf = (r: GraphRecord, field: string): number => Date.parse(String(r[field]));
const inWindow = (field: string, from: number, to: number) => (r: GraphRecord) =>
  timeOf(r, field) >= from && timeOf(r, field) < to;

interface WindowCase {
  service: GraphService;
  path: string;
  field: string;
  filter: (from: number, to: number) => string;
  extra?: Record<string, string>;
  setup?: () => void;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const lastTickBefore = (ms: number): string => `${iso(ms - 1).slice(0, 23)}9999Z`;
const cases: WindowCase[] = [
  {
    service: 'directory_audits',
    path: '/v1.0/auditLogs/directoryAudits',
    field: 'activityDateTime',
    filter: (f, t) => windowFilter('activityDateTime', f, t),
  },
  {
    service: 'provisioning_audits',
    path: '/v1.0/auditLogs/provisioning',
    field: 'activityDateTime',
    filter: (f, t) => `activityDateTime lt ${iso(t)} and activityDateTime ge ${iso(f)}`,
  },
  {
    service: 'signIns',
    path: '/v1.0/auditLogs/signIns',
    field: 'createdDateTime',
    filter: (f, t) => `(createdDateTime ge ${iso(f)}) and (createdDateTime lt ${iso(t)})`,
  },
  {
    service: 'alerts',
    path: '/v1.0/security/alerts',
    field: 'createdDateTime',
    // gt/le around the last 100 ns tick before each bound is the same window as ge/lt.
    filter: (f, t) => `createdDateTime gt ${lastTickBefore(f)} and createdDateTime le ${lastTickBefore(t)}`,
  },
  {
    service: 'alerts_v2',
    path: '/v1.0/security/alerts_v2',
    field: 'lastUpdateDateTime',
    filter: (f, t) => windowFilter('lastUpdateDateTime', f, t),
    extra: { $orderby: 'lastUpdateDateTime asc' },
    setup: () => {
      sim.scenario.alertsV2NextLink = true;
    },
  },
];

for (const c of cases) {
  test(`${c.service}: time window + nextLink paging returns exactly the stored records in the window`, async () => {
    c.setup?.();
    const from = T0;
    const to = T0 + 6 * HOUR;
    sim.addRecords(c.service, 20, { from: from - 2 * HOUR, to: from });
    sim.addRecords(c.service, 57, { from, to });
    sim.addRecords(c.service, 20, { from: to, to: to + 2 * HOUR });
    const expected = sim.records(c.service).filter(inWindow(c.field, from, to));
    assert.equal(expected.length, 57);

    const { records, pages } = await collectAll(
      sim,
      query(c.path, { $top: 10, $filter: c.filter(from, to), ...c.extra }),
      token,
    );
    assert.equal(pages.length, 6);
    assert.deepEqual(new Set(ids(records)), new Set(ids(expected)));
    assert.equal(records.length, expected.length, 'no record served twice');
    for (const page of pages.slice(0, -1)) {
      const next = page.body['@odata.nextLink'] ?? '';
      assert.ok(next.startsWith(`${sim.url}${c.path}?`), next);
      assert.match(next, /\$skiptoken=[A-Za-z0-9_-]+/);
    }
    assert.equal(
      pages[0]?.body['@odata.context'],
      `${sim.url}/v1.0/$metadata#${c.path.slice('/v1.0/'.length)}`,
    );
    const times = records.map((r) => String(r[c.field]));
    const sorted = [...times].sort();
    assert.deepEqual(times, c.extra?.['$orderby']?.endsWith('asc') ? sorted : sorted.reverse());
    sim.scenario = {};
  });
}

test('secure_scores: one per day, id {tenant}_{day}, filtered by createdDateTime and paged', async () => {
  const added = sim.addRecords('secure_scores', 30, { from: T0 - 20 * DAY, to: T0 + 10 * DAY });
  assert.equal(added.length, 30);
  assert.equal(new Set(added.map((r) => String(r['createdDateTime']).slice(0, 10))).size, 30);
  const { records, pages } = await collectAll(
    sim,
    query('/v1.0/security/secureScores', {
      $top: 3,
      $filter: windowFilter('createdDateTime', T0 - 5 * DAY, T0 + 3 * DAY),
    }),
    token,
  );
  assert.equal(records.length, 8);
  assert.equal(pages.length, 3);
  assert.match(records[0]?.id ?? '', /^[0-9a-f-]{36}_2024-05-03$/);
});

test('secureScoreControlProfiles: a fixed catalogue, paged, with eq-only filters', async () => {
  const all = sim.records('secure_score_control_profiles');
  assert.ok(all.length >= 35 && all.length <= 45, String(all.length));
  const { records } = await collectAll(
    sim,
    query('/v1.0/security/secureScoreControlProfiles', { $top: 7 }),
    token,
  );
  assert.deepEqual(ids(records), ids(all));
  const identity = await collectAll(
    sim,
    query('/v1.0/security/secureScoreControlProfiles', {
      $filter: "controlCategory eq 'Identity' and deprecated eq false",
    }),
    token,
  );
  assert.ok(identity.records.length > 0);
  assert.ok(identity.records.every((r) => r['controlCategory'] === 'Identity'));
  const ranged = await graphGet(
    sim,
    query('/v1.0/security/secureScoreControlProfiles', { $filter: 'rank gt 3' }),
    token,
  );
  assert.equal(ranged.status, 400);
});

test('$top defaults to 100 and is clamped to the server page size', async () => {
  sim.addRecords('directory_audits', 150, { from: T0 + 10 * HOUR, to: T0 + 11 * HOUR });
  const window = windowFilter('activityDateTime', T0 + 10 * HOUR, T0 + 11 * HOUR);
  const byDefault = await graphGet(sim, query('/v1.0/auditLogs/directoryAudits', { $filter: window }), token);
  assert.equal(byDefault.body.value?.length, 100);
  const small = await startGraphSimulator({ throttle: false, pageSize: 25 });
  try {
    small.addRecords('directory_audits', 40, { from: T0, to: T0 + HOUR });
    const smallToken = await getToken(small);
    const page = await graphGet(small, query('/v1.0/auditLogs/directoryAudits', { $top: 999 }), smallToken);
    assert.equal(page.body.value?.length, 25);
    assert.match(page.body['@odata.nextLink'] ?? '', /\$top=25&/);
  } finally {
    await small.close();
  }
});

test('emptyPageEvery: empty pages still carry a nextLink and nothing is lost', async () => {
  const from = T0 + 20 * HOUR;
  const to = T0 + 21 * HOUR;
  sim.addRecords('directory_audits', 25, { from, to });
  const before = sim.stats().emptyPages;
  sim.scenario = { emptyPageEvery: 2 };
  const { records, pages } = await collectAll(
    sim,
    query('/v1.0/auditLogs/directoryAudits', {
      $top: 5,
      $filter: windowFilter('activityDateTime', from, to),
    }),
    token,
  );
  sim.scenario = {};
  const empty = pages.filter((p) => p.body.value?.length === 0);
  assert.ok(empty.length >= 4, String(empty.length));
  assert.ok(empty.every((p) => p.body['@odata.nextLink'] !== undefined));
  assert.equal(records.length, 25);
  assert.equal(sim.stats().emptyPages - before, empty.length);
});

test('duplicateEvery: the last record of a page is served again at the start of the next', async () => {
  const from = T0 + 30 * HOUR;
  const to = T0 + 31 * HOUR;
  const added = sim.addRecords('signIns', 30, { from, to });
  sim.scenario = { duplicateEvery: 1 };
  const { records, pages } = await collectAll(
    sim,
    query('/v1.0/auditLogs/signIns', { $top: 10, $filter: windowFilter('createdDateTime', from, to) }),
    token,
  );
  sim.scenario = {};
  assert.deepEqual(new Set(ids(records)), new Set(ids(added)));
  assert.ok(records.length > added.length);
  for (let i = 1; i < pages.length; i++) {
    assert.equal(pages[i]?.body.value?.[0]?.id, pages[i - 1]?.body.value?.at(-1)?.id);
  }
  assert.equal(sim.stats().duplicatesServed, pages.length - 1);
});

test('a nextLink keeps reading its snapshot; records inserted meanwhile show up in the next query', async () => {
  const from = T0 + 40 * HOUR;
  const to = T0 + 41 * HOUR;
  sim.addRecords('directory_audits', 12, { from, to });
  const path = query('/v1.0/auditLogs/directoryAudits', {
    $top: 5,
    $filter: windowFilter('activityDateTime', from, to),
  });
  const first = await graphGet(sim, path, token);
  const late = sim.insertLate('directory_audits', 3, from + 1000);
  assert.equal(late[0]?.['activityDateTime'], '2024-05-02T16:00:01.0000000Z');
  const rest = await collectAll(sim, first.body['@odata.nextLink'] ?? '', token);
  assert.equal((first.body.value?.length ?? 0) + rest.records.length, 12);
  const again = await collectAll(sim, path, token);
  assert.equal(again.records.length, 15);
  assert.ok(ids(late).every((id) => ids(again.records).includes(id)));
});

test('$orderby asc/desc, $count and $select', async () => {
  const from = T0 + 50 * HOUR;
  const to = T0 + 51 * HOUR;
  sim.addRecords('directory_audits', 8, { from, to });
  const filter = windowFilter('activityDateTime', from, to);
  const asc = await graphGet(
    sim,
    query('/v1.0/auditLogs/directoryAudits', {
      $filter: filter,
      $orderby: 'activityDateTime asc',
      $count: 'true',
    }),
    token,
  );
  const times = (asc.body.value ?? []).map((r) => String(r['activityDateTime']));
  assert.deepEqual(times, [...times].sort());
  assert.equal(asc.body['@odata.count'], 8);
  const selected = await graphGet(
    sim,
    query('/v1.0/auditLogs/directoryAudits', { $filter: filter, $select: 'id,activityDateTime' }),
    token,
  );
  assert.deepEqual(Object.keys(selected.body.value?.[0] ?? {}), ['id', 'activityDateTime']);
  assert.match(selected.body['@odata.context'] ?? '', /#auditLogs\/directoryAudits\(id,activityDateTime\)$/);
});

test('bad query options are 400 BadRequest', async () => {
  const bad = [
    query('/v1.0/auditLogs/directoryAudits', { $skiptoken: 'not-a-token' }),
    query('/v1.0/auditLogs/directoryAudits', { $expand: 'initiatedBy' }),
    query('/v1.0/auditLogs/directoryAudits', { $top: -1 }),
    query('/v1.0/auditLogs/directoryAudits', { $skip: 10 }),
    query('/v1.0/auditLogs/directoryAudits', { $orderby: 'category asc' }),
    query('/v1.0/auditLogs/provisioning', { $select: 'id' }),
  ];
  for (const path of bad) {
    const res = await graphGet(sim, path, token);
    assert.equal(res.status, 400, path);
    assert.equal(res.body.error?.code, 'BadRequest', path);
  }
});

test('unknown paths are a Graph-style 404 and every request is counted', async () => {
  const res = await graphGet(sim, '/v1.0/auditLogs/nothingHere', token);
  assert.equal(res.status, 404);
  assert.equal(res.body.error?.code, 'ResourceNotFound');
  const stats = sim.stats();
  assert.ok((stats.requests['not_found'] ?? 0) >= 1);
  assert.ok((stats.status['404'] ?? 0) >= 1);
  assert.equal(stats.requestLog.at(-1)?.path, '/v1.0/auditLogs/nothingHere');
  assert.equal(stats.requestLog.at(-1)?.status, 404);
});
