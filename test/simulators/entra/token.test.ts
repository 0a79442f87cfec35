import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_DOMAIN,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphSimulator,
} from '../graph/server.ts';
import { GOOD_FORM, manualClock, tokenRequest } from '../graph/sim-client.ts';

const clock = manualClock();
let sim: GraphSimulator;

before(async () => {
  sim = await startGraphSimulator({ clock, tokenLifetimeSeconds: 600 });
});
after(() => sim.close());

test('v2 token: integer lifetimes and no-cache headers', async () => {
  const { status, headers, body } = await tokenRequest(sim, GOOD_FORM);
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
  assert.equal(body['token_type'], 'Bearer');
  assert.equal(body['expires_in'], 600);
  assert.equal(body['ext_expires_in'], 600);
  assert.match(headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(headers.get('cache-control'), 'no-store, no-cache');
  assert.equal(headers.get('pragma'), 'no-cache');
});

test('v1 token: every number is a string, plus expires_on, not_before and resource', async () => {
  const { status, body } = await tokenRequest(
    sim,
    {
      grant_type: 'client_credentials',
      client_id: SIM_CLIENT_ID,
      client_secret: SIM_CLIENT_SECRET,
      resource: 'https://graph.microsoft.com',
    },
    { version: 'v1' },
  );
  assert.equal(status, 200);
  assert.equal(body['expires_in'], '600');
  assert.equal(body['ext_expires_in'], '600');
  assert.equal(body['resource'], 'https://graph.microsoft.com');
  assert.equal(body['expires_on'], String(Math.floor(clock.now() / 1000) + 600));
  assert.equal(typeof body['not_before'], 'string');
  assert.ok(Number(body['not_before']) < Number(body['expires_on']));
});

test('access token is JWT-shaped and carries tid, aud, appid and exp', async () => {
  const { body } = await tokenRequest(sim, GOOD_FORM);
  const parts = String(body['access_token']).split('.');
  assert.equal(parts.length, 3);
  const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
  assert.equal(claims['tid'], SIM_TENANT_ID);
  assert.equal(claims['aud'], 'https://graph.microsoft.com');
  assert.equal(claims['appid'], SIM_CLIENT_ID);
  assert.equal(claims['exp'], Math.floor(clock.now() / 1000) + 600);
});

test('client secret in an HTTP Basic header and tenant given as domain are accepted', async () => {
  const basic = Buffer.from(`${SIM_CLIENT_ID}:${SIM_CLIENT_SECRET}`).toString('base64');
  const { status } = await tokenRequest(
    sim,
    { grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' },
    { tenant: SIM_TENANT_DOMAIN, headers: { Authorization: `Basic ${basic}` } },
  );
  assert.equal(status, 200);
});

const { client_secret: _omitSecret, ...withoutSecret } = GOOD_FORM;
const { grant_type: _omitGrant, ...withoutGrant } = GOOD_FORM;

const errorCases: {
  name: string;
  form: Record<string, string>;
  version?: 'v1' | 'v2';
  tenant?: string;
  status: number;
  error: string;
  code: number;
}[] = [
  {
    name: 'bad secret',
    form: { ...GOOD_FORM, client_secret: 'nope' },
    status: 401,
    error: 'invalid_client',
    code: 7000215,
  },
  { name: 'missing secret', form: withoutSecret, status: 401, error: 'invalid_client', code: 7000218 },
  {
    name: 'unknown tenant',
    form: GOOD_FORM,
    tenant: '00000000-1111-2222-3333-444444444444',
    status: 400,
    error: 'invalid_request',
    code: 90002,
  },
  {
    name: 'resource sent to v2',
    form: { ...GOOD_FORM, resource: 'https://graph.microsoft.com' },
    status: 400,
    error: 'invalid_request',
    code: 901002,
  },
  {
    name: 'scope without /.default',
    form: { ...GOOD_FORM, scope: 'https://graph.microsoft.com/AuditLog.Read.All' },
    status: 400,
    error: 'invalid_scope',
    code: 70011,
  },
  {
    name: 'two resources in scope',
    form: { ...GOOD_FORM, scope: 'https://graph.microsoft.com/.default https://manage.office.com/.default' },
    status: 400,
    error: 'invalid_scope',
    code: 700022,
  },
  {
    name: 'unknown client_id',
    form: { ...GOOD_FORM, client_id: '99999999-9999-4999-8999-999999999999' },
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
  },
  { name: 'missing grant_type', form: withoutGrant, status: 400, error: 'invalid_request', code: 90014 },
  {
    name: 'unsupported grant_type',
    form: { ...GOOD_FORM, grant_type: 'password' },
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
  },
  {
    name: 'resource that is not Graph',
    form: { ...GOOD_FORM, scope: 'https://manage.office.com/.default' },
    status: 400,
    error: 'invalid_resource',
    code: 500011,
  },
  {
    name: 'v1 without resource',
    form: { grant_type: 'client_credentials', client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
    version: 'v1',
    status: 400,
    error: 'invalid_request',
    code: 900144,
  },
];

for (const c of errorCases) {
  test(`AADSTS error: ${c.name}`, async () => {
    const { status, body } = await tokenRequest(sim, c.form, {
      version: c.version ?? 'v2',
      tenant: c.tenant ?? SIM_TENANT_ID,
    });
    assert.equal(status, c.status);
    assert.equal(body['error'], c.error);
    assert.deepEqual(body['error_codes'], [c.code]);
    const description = String(body['error_description']);
    assert.ok(description.startsWith(`AADSTS${c.code}: `), description);
    assert.match(description, /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: /);
    assert.match(String(body['timestamp']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.match(String(body['trace_id']), /^[0-9a-f-]{36}$/);
    assert.match(String(body['correlation_id']), /^[0-9a-f-]{36}$/);
  });
}

test('GET on the token endpoint is rejected like Entra does', async () => {
  const res = await fetch(`${sim.url}/${SIM_TENANT_ID}/oauth2/v2.0/token`);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 400);
  assert.deepEqual(body['error_codes'], [900561]);
});

test('scenario.failSecret rejects even the right secret, and stats count issued tokens', async () => {
  const before = sim.stats().tokensIssued;
  sim.scenario.failSecret = true;
  const rejected = await tokenRequest(sim, GOOD_FORM);
  sim.scenario.failSecret = false;
  const accepted = await tokenRequest(sim, GOOD_FORM);
  assert.equal(rejected.status, 401);
  assert.deepEqual(rejected.body['error_codes'], [7000215]);
  assert.equal(accepted.status, 200);
  const stats = sim.stats();
  assert.equal(stats.tokensIssued, before + 1);
  assert.ok((stats.requests['token_v2'] ?? 0) >= 2);
  assert.ok((stats.requests['token_v1'] ?? 0) >= 1);
});
