import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGraphSimulator, type GraphRecord, type GraphSimulator } from './server.ts';
import { collectAll, getToken, graphGet, ids, query, windowFilter } from './sim-client.ts';

const T0 = Date.UTC(2024, 4, 1);
const T1 = T0 + 3_600_000;
const WINDOW = windowFilter('createdDateTime', T0, T1);
let sim: GraphSimulator;
let token: string;
let all: readonly GraphRecord[];

before(async () => {
  sim = await startGraphSimulator({ seed: 3, throttle: false });
  sim.addRecords('signIns_v2', 200, { from: T0, to: T1 });
  all = sim.records('signIns_v2');
  token = await getToken(sim);
});
after(() => sim.close());

const typesOf = (r: GraphRecord): string[] => r['signInEventTypes'] as string[];
const withType = (type: string) => all.filter((r) => typesOf(r).includes(type));

test('the beta store mixes every sign-in event type', () => {
  for (const type of ['interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity']) {
    assert.ok(withType(type).length > 0, type);
  }
});

test('records(signIns) is the interactive subset, shaped as v1.0 serves it', () => {
  const v1 = sim.records('signIns');
  assert.deepEqual(ids(v1), ids(withType('interactiveUser')));
  assert.ok(v1.every((r) => !('signInEventTypes' in r) && !('authenticationDetails' in r)));
  assert.ok(v1.every((r) => r['isInteractive'] === true));
});

test('v1.0 serves only interactive sign-ins', async () => {
  const { records } = await collectAll(
    sim,
    query('/v1.0/auditLogs/signIns', { $filter: WINDOW, $top: 50 }),
    token,
  );
  assert.deepEqual(new Set(ids(records)), new Set(ids(withType('interactiveUser'))));
  assert.ok(records.every((r) => !('signInEventTypes' in r)));
});

test('beta without a signInEventTypes clause also serves only interactive sign-ins', async () => {
  const { records } = await collectAll(
    sim,
    query('/beta/auditLogs/signIns', { $filter: WINDOW, $top: 50 }),
    token,
  );
  assert.deepEqual(new Set(ids(records)), new Set(ids(withType('interactiveUser'))));
  assert.ok(records.every((r) => Array.isArray(r['signInEventTypes'])));
});

for (const type of ['nonInteractiveUser', 'servicePrincipal', 'managedIdentity']) {
  test(`beta signInEventTypes/any(t: t eq '${type}') selects exactly that type`, async () => {
    const filter = `${WINDOW} and signInEventTypes/any(t: t eq '${type}')`;
    const { records } = await collectAll(
      sim,
      query('/beta/auditLogs/signIns', { $filter: filter, $top: 50 }),
      token,
    );
    assert.deepEqual(new Set(ids(records)), new Set(ids(withType(type))));
  });
}

test('beta: or-ed event types give their union', async () => {
  const filter = `${WINDOW} and (signInEventTypes/any(t: t eq 'interactiveUser') or signInEventTypes/any(t: t eq 'nonInteractiveUser'))`;
  const { records } = await collectAll(
    sim,
    query('/beta/auditLogs/signIns', { $filter: filter, $top: 1000 }),
    token,
  );
  const expected = [...withType('interactiveUser'), ...withType('nonInteractiveUser')];
  assert.deepEqual(new Set(ids(records)), new Set(ids(expected)));
});

test('v1.0 has no signInEventTypes property: filtering on it is a 400', async () => {
  const res = await graphGet(
    sim,
    query('/v1.0/auditLogs/signIns', { $filter: "signInEventTypes/any(t: t eq 'nonInteractiveUser')" }),
    token,
  );
  assert.equal(res.status, 400);
  assert.match(res.body.error?.message ?? '', /Could not find a property named 'signInEventTypes'/);
});

test('sign-ins are newest first by default', async () => {
  const res = await graphGet(sim, query('/beta/auditLogs/signIns', { $filter: WINDOW }), token);
  const times = (res.body.value ?? []).map((r) => String(r['createdDateTime']));
  assert.deepEqual(times, [...times].sort().reverse());
});

test('licenceError: both sign-in endpoints answer 403, other endpoints are unaffected', async () => {
  sim.scenario = { licenceError: true };
  try {
    for (const path of ['/v1.0/auditLogs/signIns', '/beta/auditLogs/signIns']) {
      const res = await graphGet(sim, path, token);
      assert.equal(res.status, 403, path);
      assert.equal(res.body.error?.code, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant');
    }
    assert.equal((await graphGet(sim, '/v1.0/auditLogs/directoryAudits', token)).status, 200);
  } finally {
    sim.scenario = {};
  }
});
