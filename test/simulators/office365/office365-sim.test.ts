import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualClock, type ManualClock } from '../graph/sim-client.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startOffice365Simulator,
  type AuditRecord,
  type Office365Simulator,
  type Office365SimulatorOptions,
} from './server.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const PUBLISHER = SIM_TENANT_ID;

interface Client {
  sim: Office365Simulator;
  clock: ManualClock;
  token: string;
  feed(path: string, init?: { method?: string; publisher?: boolean }): Promise<Response>;
  json<T = unknown>(
    path: string,
    init?: { method?: string },
  ): Promise<{ status: number; body: T; res: Response }>;
}

async function setup(
  t: { after(fn: () => unknown): void },
  opts: Office365SimulatorOptions = {},
): Promise<Client> {
  const clock = manualClock(Date.UTC(2024, 4, 10, 12));
  const sim = await startOffice365Simulator({ clock, ...opts });
  t.after(() => sim.close());
  const res = await fetch(`${sim.url}/${SIM_TENANT_ID}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SIM_CLIENT_ID,
      client_secret: SIM_CLIENT_SECRET,
      resource: 'https://manage.office.com',
    }),
  });
  const token = ((await res.json()) as { access_token: string }).access_token;
  const feed = (path: string, init: { method?: string; publisher?: boolean } = {}) => {
    const url = new URL(
      path.startsWith('http') ? path : `${sim.url}/api/v1.0/${SIM_TENANT_ID}/activity/feed/${path}`,
    );
    if (init.publisher !== false && !url.searchParams.has('PublisherIdentifier'))
      url.searchParams.set('PublisherIdentifier', PUBLISHER);
    return fetch(url, { method: init.method ?? 'GET', headers: { Authorization: `Bearer ${token}` } });
  };
  const json = async <T>(path: string, init: { method?: string } = {}) => {
    const r = await feed(path, init);
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T, res: r };
  };
  return { sim, clock, token, feed, json };
}

type Af = { error: { code: string; message: string } };
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19);

test('token endpoint: v1 resource and v2 scope for manage.office.com; Graph is another resource', async (t) => {
  const { sim } = await setup(t);
  const v2 = await fetch(`${sim.url}/${SIM_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SIM_CLIENT_ID,
      client_secret: SIM_CLIENT_SECRET,
      scope: 'https://manage.office365.us/.default',
    }),
  });
  const body = (await v2.json()) as Record<string, unknown>;
  assert.equal(v2.status, 200);
  assert.equal(typeof body['expires_in'], 'number');
  const claims = JSON.parse(Buffer.from(String(body['access_token']).split('.')[1]!, 'base64url').toString());
  assert.deepEqual(claims.roles, ['ActivityFeed.Read', 'ActivityFeed.ReadDlp', 'ServiceHealth.Read']);
  const graph = await fetch(`${sim.url}/${SIM_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SIM_CLIENT_ID,
      client_secret: SIM_CLIENT_SECRET,
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  assert.equal(graph.status, 400);
  assert.deepEqual(((await graph.json()) as { error_codes: number[] }).error_codes, [500011]);
});

test('subscriptions: AF20022 before start, AF20024 when already enabled, a start cooldown, AF20023 when an admin disabled it', async (t) => {
  const c = await setup(t);
  const list = `subscriptions/content?contentType=Audit.Exchange`;
  assert.equal((await c.json<Af>(list)).body.error.code, 'AF20022');
  const started = await c.json<{ contentType: string; status: string; webhook: null }>(
    'subscriptions/start?contentType=Audit.Exchange',
    { method: 'POST' },
  );
  assert.deepEqual(
    [started.status, started.body],
    [200, { contentType: 'Audit.Exchange', status: 'enabled', webhook: null }],
  );
  const again = await c.json<Af>('subscriptions/start?contentType=Audit.Exchange', { method: 'POST' });
  assert.deepEqual([again.status, again.body.error.code], [400, 'AF20024']);
  assert.equal((await c.json(list)).status, 200);
  assert.equal(
    (await c.json('subscriptions/stop?contentType=Audit.Exchange', { method: 'POST' })).status,
    200,
  );
  const tooSoon = await c.json<Af>('subscriptions/start?contentType=Audit.Exchange', { method: 'POST' });
  assert.deepEqual([tooSoon.status, tooSoon.body.error.code], [429, 'AF429']);
  c.clock.advance(15 * MIN);
  assert.equal(
    (await c.json('subscriptions/start?contentType=audit.exchange', { method: 'POST' })).status,
    200,
  );
  c.sim.disableSubscription('Audit.Exchange');
  assert.equal((await c.json<Af>(list)).body.error.code, 'AF20023');
  const listed = await c.json<{ contentType: string; status: string }[]>('subscriptions/list');
  assert.deepEqual(listed.body, [{ contentType: 'Audit.Exchange', status: 'disabled', webhook: null }]);
  assert.equal(
    (await c.json<Af>('subscriptions/start?contentType=Audit.Teams', { method: 'POST' })).body.error.code,
    'AF20020',
  );
});

test('content listing enforces the window rules', async (t) => {
  const c = await setup(t);
  await c.feed('subscriptions/start?contentType=Audit.General', { method: 'POST' });
  const now = c.clock.now();
  const q = (extra: string) => `subscriptions/content?contentType=Audit.General${extra}`;
  const code = async (extra: string) => (await c.json<Af>(q(extra))).body.error?.code ?? 'ok';
  assert.equal(await code(''), 'ok'); // neither: the last 24 hours
  assert.equal(await code(`&startTime=${iso(now - HOUR)}`), 'AF20030');
  assert.equal(await code(`&startTime=${iso(now - 25 * HOUR)}&endTime=${iso(now)}`), 'AF20030');
  assert.equal(
    await code(`&startTime=${iso(now - 7 * DAY - MIN)}&endTime=${iso(now - 7 * DAY + HOUR)}`),
    'AF20055',
  );
  assert.equal(await code(`&startTime=${iso(now)}&endTime=${iso(now - HOUR)}`), 'AF20055');
  assert.equal(await code(`&startTime=yesterday&endTime=${iso(now)}`), 'AF20002');
  assert.equal(await code(`&startTime=${iso(now - 24 * HOUR)}&endTime=${iso(now)}`), 'ok');
  assert.equal(
    await code(`&startTime=${new Date(now - HOUR).toISOString()}&endTime=${new Date(now).toISOString()}`),
    'ok',
  );
  assert.equal(await code(`&startTime=2024-05-09&endTime=2024-05-10`), 'ok');
});

test('NextPageUri pages a window exactly once, filtering on contentCreated with [start, end)', async (t) => {
  const c = await setup(t, { pageSize: 7 });
  await c.feed('subscriptions/start?contentType=Audit.SharePoint', { method: 'POST' });
  const now = c.clock.now();
  c.sim.addActivity(
    'Audit.SharePoint',
    3000,
    { from: now - 2 * DAY, to: now - 2 * HOUR },
    { blobSize: [20, 60] },
  );
  const start = now - 26 * HOUR;
  const end = now - 2 * HOUR;
  const expected = c.sim.blobs('Audit.SharePoint', start, end).map((b) => b.contentId);
  assert.ok(expected.length > 20);
  const got: string[] = [];
  let next: string | null =
    `subscriptions/content?contentType=Audit.SharePoint&startTime=${iso(start)}&endTime=${iso(end)}`;
  let pages = 0;
  while (next !== null) {
    const page: {
      body: { contentId: string; contentUri: string; contentCreated: string; contentExpiration: string }[];
      res: Response;
    } = await c.json(next);
    pages++;
    for (const d of page.body) {
      got.push(d.contentId);
      assert.ok(Date.parse(d.contentCreated) >= start && Date.parse(d.contentCreated) < end);
      assert.equal(Date.parse(d.contentExpiration) - Date.parse(d.contentCreated), 7 * DAY);
      assert.ok(d.contentUri.endsWith(`/audit/${d.contentId}`));
    }
    next = page.res.headers.get('nextpageuri');
  }
  assert.deepEqual(got, expected);
  assert.equal(pages, Math.ceil(expected.length / 7));
  // A page token is bound to its window, and a tampered one is refused.
  const bad = await c.json<Af>(
    `subscriptions/content?contentType=Audit.SharePoint&startTime=${iso(start)}&endTime=${iso(end)}&nextPage=7.x.y.z`,
  );
  assert.equal(bad.body.error.code, 'AF20031');
  c.sim.scenario.nextPageHeader = 'NextPageUrl';
  const first = await c.feed(
    `subscriptions/content?contentType=Audit.SharePoint&startTime=${iso(start)}&endTime=${iso(end)}`,
  );
  assert.ok(first.headers.get('NextPageUrl')?.includes('nextPage='));
  assert.equal(first.headers.get('NextPageUri'), null);
});

test('blobs: JSON arrays of records, not chronological, with duplicates within, across and days later', async (t) => {
  const c = await setup(t, { tokenLifetimeSeconds: 30 * 86_400 });
  const now = c.clock.now();
  const added = c.sim.addActivity('Audit.Exchange', 5000, { from: now - 5 * DAY, to: now - 3 * HOUR });
  assert.equal(c.sim.distinct('Audit.Exchange').length, 5000);
  assert.equal(c.sim.served('Audit.Exchange'), 5000 + added.copies);
  assert.equal(added.copies, 300);
  const blobs = c.sim.blobs('Audit.Exchange');
  let outOfOrder = 0;
  let within = 0;
  let newestSoFar = '';
  const seen = new Map<string, number>();
  for (const [i, b] of blobs.entries()) {
    const ids = new Set<string>();
    for (const r of b.records) {
      if (ids.has(r.Id)) within++;
      ids.add(r.Id);
      if (r.CreationTime < newestSoFar) outOfOrder++;
    }
    for (const r of b.records) newestSoFar = r.CreationTime > newestSoFar ? r.CreationTime : newestSoFar;
    for (const id of ids) if (!seen.has(id)) seen.set(id, i);
  }
  assert.ok(outOfOrder > 0, 'some blob holds events older than an earlier blob');
  assert.ok(within > 0, 'duplicates within a blob');
  const reServed = blobs.filter(
    (b) => b.records.length === 1 && seen.get(b.records[0]!.Id)! < blobs.indexOf(b),
  );
  assert.ok(
    reServed.some((b) => b.contentCreated - blobs[seen.get(b.records[0]!.Id)!]!.contentCreated >= 2 * DAY),
  );

  const blob = blobs[0]!;
  const served = await c.json<AuditRecord[]>(`audit/${blob.contentId}`);
  assert.equal(served.status, 200);
  assert.deepEqual(
    served.body.map((r) => r.Id),
    blob.records.map((r) => r.Id),
  );
  assert.match(served.body[0]!.CreationTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  c.sim.expire(blob.contentId);
  const expired = await c.json<Af>(`audit/${blob.contentId}`);
  assert.deepEqual([expired.status, expired.body.error.code], [400, 'AF20051']);
  assert.equal((await c.json<Af>('audit/nope')).body.error.code, 'AF20050');
  c.clock.advance(11 * DAY);
  assert.equal((await c.json<Af>(`audit/${blobs.at(-1)!.contentId}`)).body.error.code, 'AF20051');
  assert.equal(c.sim.stats().expiredServed, 2);
});

test('the five content types carry their workloads', async (t) => {
  const c = await setup(t);
  const now = c.clock.now();
  const workloads = (type: Parameters<Office365Simulator['addActivity']>[0]) => {
    c.sim.addActivity(type, 400, { from: now - DAY, to: now });
    return new Set(c.sim.distinct(type).map((r) => r.Workload));
  };
  assert.deepEqual([...workloads('Audit.AzureActiveDirectory')], ['AzureActiveDirectory']);
  assert.deepEqual([...workloads('Audit.Exchange')], ['Exchange']);
  assert.deepEqual([...workloads('Audit.SharePoint')].sort(), ['OneDrive', 'SharePoint']);
  assert.ok(workloads('Audit.General').size >= 5);
  assert.deepEqual([...workloads('DLP.All')].sort(), ['Exchange', 'OneDrive', 'SharePoint']);
});

test('throttling: AF429 under load per publisher (429 or 403), a smaller shared pool without PublisherIdentifier', async (t) => {
  const c = await setup(t, {
    budgets: { publisher: { limit: 5, windowMs: 60_000 }, shared: { limit: 2, windowMs: 60_000 } },
  });
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await c.feed('subscriptions/list')).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
  c.sim.scenario.throttleStatus = 403;
  const throttled = await c.json<Af>('subscriptions/list');
  assert.deepEqual([throttled.status, throttled.body.error.code], [403, 'AF429']);
  const shared: number[] = [];
  for (let i = 0; i < 3; i++) shared.push((await c.feed('subscriptions/list', { publisher: false })).status);
  assert.deepEqual(shared, [200, 200, 403]);
  c.clock.advance(60_000);
  assert.equal((await c.feed('subscriptions/list')).status, 200);
  const stats = c.sim.stats();
  assert.equal(stats.withoutPublisherIdentifier, 3);
  assert.equal(stats.throttled, 4);
});

test('401 without a valid token; AF20010 when the URL names another tenant', async (t) => {
  const c = await setup(t);
  const anon = await fetch(`${c.sim.url}/api/v1.0/${SIM_TENANT_ID}/activity/feed/subscriptions/list`);
  assert.equal(anon.status, 401);
  const other = await c.json<Af>(
    `${c.sim.url}/api/v1.0/00000000-1111-4222-8333-444444444444/activity/feed/subscriptions/list`,
  );
  assert.deepEqual([other.status, other.body.error.code], [401, 'AF20010']);
  c.sim.revokeTokens();
  assert.equal((await c.feed('subscriptions/list')).status, 401);
});
