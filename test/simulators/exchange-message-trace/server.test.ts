// The message trace simulator over real HTTP: tokens for both APIs, Graph's window rules, paging and
// budget, the legacy service's two JSON shapes, status changes, late rows and the request log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualClock } from '../graph/sim-client.ts';
import {
  EXCHANGE_RESOURCE,
  GRAPH_ROLE,
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startExchangeTraceSimulator,
  type ExchangeTraceSimulatorOptions,
} from './server.ts';
import { GRAPH_MESSAGES } from './graph-message-traces.ts';
import { LEGACY_MESSAGES } from './reporting-web-service.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

async function start(t: { after(fn: () => unknown): void }, opts: ExchangeTraceSimulatorOptions = {}) {
  const clock = manualClock(Date.UTC(2026, 2, 1, 12));
  const sim = await startExchangeTraceSimulator({ clock, ...opts });
  t.after(() => sim.close());
  async function token(form: Record<string, string>, version: 'v1' | 'v2', tenant = SIM_TENANT_ID) {
    const path = version === 'v1' ? 'oauth2/token' : 'oauth2/v2.0/token';
    const res = await fetch(`${sim.url}/${tenant}/${path}`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: SIM_CLIENT_ID,
        client_secret: SIM_CLIENT_SECRET,
        ...form,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }
  const graphToken = async () =>
    String((await token({ scope: 'https://graph.microsoft.com/.default' }, 'v2')).body.access_token);
  const exchangeToken = async () =>
    String((await token({ resource: EXCHANGE_RESOURCE }, 'v1')).body.access_token);
  async function get(path: string, bearer: string) {
    const res = await fetch(path.startsWith('http') ? path : `${sim.url}${path}`, {
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
    });
    return {
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as Record<string, any>,
    };
  }
  const graphQuery = (from: number, to: number, top?: number) =>
    `/v1.0/admin/exchange/tracing/messageTraces?$filter=${encodeURIComponent(
      `receivedDateTime ge ${iso(from)} and receivedDateTime le ${iso(to)}`,
    )}${top ? `&$top=${top}` : ''}`;
  const legacyQuery = (from: number, to: number) =>
    `/ecp/reportingwebservice/reporting.svc/MessageTrace?$format=json&$filter=${encodeURIComponent(
      `StartDate eq datetime'${iso(from)}' and EndDate eq datetime'${iso(to)}'`,
    )}`;
  return { clock, sim, token, graphToken, exchangeToken, get, graphQuery, legacyQuery };
}

test('tokens: v1 with resource (string numbers), v2 with scope, and the AADSTS reasons', async (t) => {
  const { token } = await start(t);
  const v1 = await token({ resource: EXCHANGE_RESOURCE }, 'v1');
  assert.equal(v1.status, 200);
  assert.equal(typeof v1.body.expires_in, 'string');
  assert.equal(v1.body.resource, EXCHANGE_RESOURCE);
  const v2 = await token({ scope: 'https://outlook.office365.com/.default' }, 'v2');
  assert.equal(v2.status, 200);
  assert.equal(typeof v2.body.expires_in, 'number');
  const wrong = await token({ scope: 'https://graph.microsoft.com/.default', client_secret: 'nope' }, 'v2');
  assert.equal(wrong.status, 401);
  assert.match(String(wrong.body.error_description), /^AADSTS7000215: Invalid client secret provided/);
  const tenant = await token({ resource: EXCHANGE_RESOURCE }, 'v1', 'no-such-tenant.example');
  assert.equal(tenant.status, 400);
  assert.deepEqual(tenant.body.error_codes, [90002]);
  const mixed = await token({ resource: EXCHANGE_RESOURCE }, 'v2');
  assert.deepEqual(mixed.body.error_codes, [901002]);
});

test('Graph: window rules with the real messages, $top range, and a token for the wrong API', async (t) => {
  const { clock, graphToken, exchangeToken, get, graphQuery } = await start(t);
  const bearer = await graphToken();
  const now = clock.now();
  const cases: [string, number, string][] = [
    [graphQuery(now - 11 * DAY, now - 12 * HOUR), 400, GRAPH_MESSAGES.tooLong],
    [graphQuery(now - 91 * DAY, now - 85 * DAY), 400, GRAPH_MESSAGES.tooOld],
    [graphQuery(now - DAY, now + HOUR), 400, GRAPH_MESSAGES.future],
    [graphQuery(now - DAY, now, 5001), 400, GRAPH_MESSAGES.badTop],
    [
      `/v1.0/admin/exchange/tracing/messageTraces?$filter=${encodeURIComponent(`receivedDateTime ge ${iso(now - DAY)}`)}`,
      400,
      GRAPH_MESSAGES.oneBound,
    ],
  ];
  for (const [path, status, message] of cases) {
    const res = await get(path, bearer);
    assert.equal(res.status, status, path);
    assert.equal(res.body.error.message, message);
  }
  assert.equal((await get(graphQuery(now - 90 * DAY + 60_000, now - 80 * DAY), bearer)).status, 200);
  const wrongAudience = await get(graphQuery(now - DAY, now), await exchangeToken());
  assert.equal(wrongAudience.status, 401);
});

test('Graph: nextLink paging returns every visible row once; missing permission is a 403', async (t) => {
  const { clock, sim, graphToken, get, graphQuery } = await start(t);
  const now = clock.now();
  sim.addRows({ count: 7000, from: now - 5 * DAY, to: now - HOUR });
  const bearer = await graphToken();
  let next: string | undefined = graphQuery(now - 6 * DAY, now, 5000);
  const seen: string[] = [];
  let pages = 0;
  while (next) {
    const res = await get(next, bearer);
    assert.equal(res.status, 200);
    pages++;
    for (const r of res.body.value) seen.push(`${r.id}|${r.recipientAddress}`);
    assert.match(String(res.body.value[0].receivedDateTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    next = res.body['@odata.nextLink'];
  }
  assert.equal(pages, 2);
  assert.equal(new Set(seen).size, 7000);
  sim.scenario.roles = ['ReportingWebService.Read.All'];
  const denied = await get(graphQuery(now - DAY, now), bearer);
  assert.equal(denied.status, 403);
  assert.match(denied.body.error.message, new RegExp(GRAPH_ROLE.replace(/\./g, '\\.')));
});

test('Graph: 100 requests per 5 minutes per tenant, then 429 with Retry-After until a slot frees', async (t) => {
  const { clock, graphToken, get, graphQuery } = await start(t);
  const bearer = await graphToken();
  const q = graphQuery(clock.now() - DAY, clock.now() - HOUR);
  for (let i = 0; i < 100; i++) {
    assert.equal((await get(q, bearer)).status, 200);
    clock.advance(1000);
  }
  const throttled = await get(q, bearer);
  assert.equal(throttled.status, 429);
  const retryAfter = Number(throttled.headers.get('retry-after'));
  assert.ok(retryAfter > 190 && retryAfter <= 200, `Retry-After ${retryAfter}`);
  clock.advance(retryAfter * 1000);
  assert.equal((await get(q, bearer)).status, 200);
});

test('legacy: light shape with odata.nextLink, Received without Z, and the 10-day limit', async (t) => {
  const { clock, sim, exchangeToken, graphToken, get, legacyQuery } = await start(t, { legacyPageSize: 50 });
  const now = clock.now();
  sim.addRows({ count: 120, from: now - 2 * DAY, to: now - HOUR });
  const bearer = await exchangeToken();
  let next: string | undefined = legacyQuery(now - 3 * DAY, now);
  const seen = new Set<string>();
  while (next) {
    const res = await get(next, bearer);
    assert.equal(res.status, 200);
    for (const r of res.body.value) {
      assert.match(r.Received, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$/);
      assert.match(r.StartDate, /Z$/);
      seen.add(`${r.MessageTraceId}|${r.RecipientAddress}`);
    }
    next = res.body['odata.nextLink'];
  }
  assert.equal(seen.size, 120);
  const old = await get(legacyQuery(now - 11 * DAY, now - 10 * DAY + HOUR), bearer);
  assert.equal(old.status, 400);
  assert.equal(old.body['odata.error'].message.value, LEGACY_MESSAGES.tooOld);
  assert.equal((await get(legacyQuery(now - DAY, now), await graphToken())).status, 401);
  sim.scenario.roles = [GRAPH_ROLE];
  const denied = await get(legacyQuery(now - DAY, now), bearer);
  assert.equal(denied.status, 403);
  assert.equal(denied.body['odata.error'].message.value, LEGACY_MESSAGES.noPermission);
});

test('legacy: verbose shape with d.results, __next and /Date(ms)/', async (t) => {
  const { clock, sim, exchangeToken, get, legacyQuery } = await start(t, {
    legacyShape: 'verbose',
    legacyPageSize: 30,
  });
  const now = clock.now();
  const rows = sim.addRows({ count: 45, from: now - DAY, to: now - HOUR });
  const bearer = await exchangeToken();
  const first = await get(legacyQuery(now - 2 * DAY, now), bearer);
  assert.equal(first.body.d.results.length, 30);
  const r0 = first.body.d.results[0];
  assert.equal(r0.__metadata.type, 'TenantReporting.MessageTrace');
  assert.match(r0.Received, /^\/Date\(\d+\)\/$/);
  assert.ok(rows.some((r) => `/Date(${r.received})/` === r0.Received));
  const second = await get(first.body.d.__next, bearer);
  assert.equal(second.body.d.results.length, 15);
  assert.equal(second.body.d.__next, undefined);
});

test('status changes between polls, late rows appear later, and the log records every window', async (t) => {
  const { clock, sim, graphToken, get, graphQuery } = await start(t);
  const now = clock.now();
  sim.addRows({ count: 10, from: now - 2 * HOUR, to: now - HOUR, pendingForMs: 3 * HOUR });
  sim.addRows({ count: 5, from: now - 2 * HOUR, to: now - HOUR, lateByMs: 4 * HOUR });
  const bearer = await graphToken();
  const q = graphQuery(now - 3 * HOUR, now);
  const before = await get(q, bearer);
  assert.equal(before.body.value.length, 10);
  assert.ok(before.body.value.every((r: { status: string }) => r.status === 'pending'));
  clock.advance(5 * HOUR);
  const after = await get(q, await graphToken());
  assert.equal(after.body.value.length, 15);
  assert.ok(after.body.value.some((r: { status: string }) => r.status === 'delivered'));
  assert.ok(!after.body.value.some((r: { status: string }) => r.status === 'pending'));
  const windows = sim.requestLog().filter((e) => e.api === 'graph');
  assert.deepEqual(
    windows.map((e) => [e.window!.to, e.rows]),
    [
      [Date.parse(iso(now)), 10],
      [Date.parse(iso(now)), 15],
    ],
  );
});
