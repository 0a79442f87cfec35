// `devo-collector validate --check-credentials` against the message trace simulator: one token per
// input and back end; success, a wrong secret and an unknown tenant each give their message and exit code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runValidate } from '../../../../collector-runtime/src/cli/validate-command.ts';
import { goodConfig, removeLayouts, SECRET, writeLayout } from '../../config/config-fixture.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startExchangeTraceSimulator,
  type ExchangeTraceSimulator,
} from '../../../simulators/exchange-message-trace/server.ts';

let sim: ExchangeTraceSimulator;
before(async () => {
  sim = await startExchangeTraceSimulator();
});
after(async () => {
  await sim.close();
  removeLayouts();
});

function config(opts: { api?: string; tenant?: string; secret?: string }) {
  const c = goodConfig();
  c.inputs = {
    office365_exchange_message: {
      id: 'emt',
      credentials: {
        tenant_id: opts.tenant ?? SIM_TENANT_ID,
        client_id: SIM_CLIENT_ID,
        client_secret: opts.secret ?? SIM_CLIENT_SECRET,
      },
      override_base_url: sim.url,
      override_login_url: `${sim.url}/`,
      services: { office365_exchange_message_service: opts.api ? { api: opts.api } : {} },
    },
  };
  return c;
}

async function check(c: Record<string, unknown>, json = false) {
  const { file } = writeLayout(c);
  let stdout = '';
  let stderr = '';
  const code = await runValidate(['--config', file, '--check-credentials', ...(json ? ['--json'] : [])], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

test('good credentials: a v2 token for Graph, a v1 token for the Reporting Web Service, exit 0', async () => {
  const before = sim.requestLog().length;
  const graph = await check(config({}));
  assert.equal(graph.code, 0, graph.stderr);
  assert.match(
    graph.stdout,
    /credentials ok: office365_exchange_message \(id emt\): http:\/\/127\.0\.0\.1:\d+\/[^ ]+\/oauth2\/v2\.0\/token \(scope https:\/\/graph\.microsoft\.com\/\.default\): token obtained, expires in 3599 s/,
  );
  const legacy = await check(config({ api: 'reporting_web_service' }));
  assert.equal(legacy.code, 0, legacy.stderr);
  assert.match(
    legacy.stdout,
    /\/oauth2\/token \(resource https:\/\/outlook\.office365\.com\): token obtained/,
  );
  const apis = sim
    .requestLog()
    .slice(before)
    .map((e) => e.api);
  assert.deepEqual(apis, ['token_v2', 'token_v1'], 'only the token endpoints were called');
});

test('a wrong secret: exit 3 with AADSTS7000215 and what to do; the secret is never printed', async () => {
  const r = await check(config({ secret: SECRET }));
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    /credentials FAILED: .*HTTP 401 invalid_client AADSTS7000215: Invalid client secret provided\./,
  );
  assert.match(r.stderr, /copy the secret VALUE \(not its ID\)/);
  assert.ok(!`${r.stdout}${r.stderr}`.includes(SECRET));
  const json = await check(config({ secret: SECRET }), true);
  assert.equal(json.code, 3);
  const body = JSON.parse(json.stdout);
  assert.equal(body.valid, true);
  assert.equal(body.credentialsOk, false);
  assert.equal(body.credentials[0].aadsts, 7000215);
});

test('an unknown tenant: exit 3 with AADSTS90002', async () => {
  const r = await check(config({ tenant: 'no-such-tenant.onmicrosoft.com' }));
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    /AADSTS90002: Tenant 'no-such-tenant\.onmicrosoft\.com' not found\..*\(the tenant was not found/,
  );
});

test('an invalid config is reported as such (exit 1) and no token is requested', async () => {
  const c = config({});
  (c.inputs.office365_exchange_message as Record<string, unknown>).credentials = {
    username: 'admin@contoso.com',
    password: SECRET,
  };
  const before = sim.requestLog().length;
  const r = await check(c);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /credentials\.username: basic authentication .* retired/);
  assert.equal(sim.requestLog().length, before);
});

test('Graph inputs are checked too: one token per input, whatever its services', async () => {
  const c = config({});
  c.inputs.microsoft_graph_audit = {
    id: 'aud',
    credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
    override_base_url: sim.url,
    override_login_url: `${sim.url}/`,
    services: { directory_audits: {}, signIns: {} },
  };
  const r = await check(c);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.match(/^credentials ok: /gm)?.length, 2);
  assert.match(r.stdout, /credentials ok: microsoft_graph_audit \(id aud\): .*\/oauth2\/v2\.0\/token/);
});
