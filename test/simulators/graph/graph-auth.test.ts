import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGraphSimulator, type GraphSimulator } from './server.ts';
import { collectAll, getToken, graphGet, manualClock, query } from './sim-client.ts';

const clock = manualClock();
let sim: GraphSimulator;
const PATH = '/v1.0/auditLogs/directoryAudits';

before(async () => {
  sim = await startGraphSimulator({ clock, tokenLifetimeSeconds: 60, throttle: false });
  sim.addRecords('directory_audits', 30, { from: clock.now() - 3_600_000, to: clock.now() });
});
after(() => sim.close());

test('no Authorization header: 401 InvalidAuthenticationToken with a Graph innerError', async () => {
  const res = await fetch(`${sim.url}${PATH}`);
  const body = (await res.json()) as {
    error: { code: string; message: string; innerError: Record<string, string> };
  };
  assert.equal(res.status, 401);
  assert.equal(body.error.code, 'InvalidAuthenticationToken');
  assert.equal(body.error.message, 'Access token is empty.');
  assert.match(body.error.innerError['request-id'] ?? '', /^[0-9a-f-]{36}$/);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
});

test('a token the simulator never issued is rejected', async () => {
  const res = await graphGet(sim, PATH, 'eyJ0eXAiOiJKV1QifQ.e30.c2ln');
  assert.equal(res.status, 401);
  assert.equal(res.body.error?.code, 'InvalidAuthenticationToken');
});

test('a token stops working once the clock passes its lifetime', async () => {
  const token = await getToken(sim);
  assert.equal((await graphGet(sim, PATH, token)).status, 200);
  clock.advance(59_000);
  assert.equal((await graphGet(sim, PATH, token)).status, 200);
  clock.advance(1_000);
  const expired = await graphGet(sim, PATH, token);
  assert.equal(expired.status, 401);
  assert.equal(expired.body.error?.message, 'Lifetime validation failed, the token is expired.');
});

test('revokeTokens() breaks paging mid-way; a fresh token resumes from the same nextLink', async () => {
  const token = await getToken(sim);
  const first = await graphGet(sim, query(PATH, { $top: 10 }), token);
  const next = first.body['@odata.nextLink'];
  assert.ok(next !== undefined);
  sim.revokeTokens();
  const denied = await graphGet(sim, next, token);
  assert.equal(denied.status, 401);
  assert.equal(denied.body.error?.code, 'InvalidAuthenticationToken');
  const fresh = await getToken(sim);
  const rest = await collectAll(sim, next, fresh);
  const all = [...(first.body.value ?? []), ...rest.records];
  assert.equal(all.length, 30);
  assert.equal(new Set(all.map((r) => r.id)).size, 30);
});
