// The client-credentials token source against the simulator's real token endpoints.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientCredentialsTokenSource } from '../../../collector-runtime/src/core/http/oauth-client-credentials.ts';
import { systemClock } from '../../../collector-runtime/src/core/clock.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphSimulator,
} from '../../simulators/graph/server.ts';

let sim: GraphSimulator;
before(async () => (sim = await startGraphSimulator()));
after(() => sim.close());

const v2 = (over: Partial<{ secret: string; tenant: string; scope: string }> = {}) =>
  clientCredentialsTokenSource(
    {
      tokenUrl: `${sim.url}/${over.tenant ?? SIM_TENANT_ID}/oauth2/v2.0/token`,
      clientId: SIM_CLIENT_ID,
      clientSecret: over.secret ?? SIM_CLIENT_SECRET,
      target: { scope: over.scope ?? 'https://graph.microsoft.com/.default' },
    },
    { clock: systemClock },
  );

test('v2 and v1 endpoints both yield a cached token (v1 numbers arrive as strings)', async () => {
  const source = v2();
  const a = await source.get();
  assert.equal(await source.get(), a, 'cached');
  const before = sim.stats().tokensIssued;
  source.invalidate(a);
  assert.notEqual(await source.get(), a);
  assert.equal(sim.stats().tokensIssued, before + 1);
  const v1 = clientCredentialsTokenSource(
    {
      tokenUrl: `${sim.url}/${SIM_TENANT_ID}/oauth2/token`,
      clientId: SIM_CLIENT_ID,
      clientSecret: SIM_CLIENT_SECRET,
      target: { resource: 'https://graph.microsoft.com' },
    },
    { clock: systemClock },
  );
  assert.ok((await v1.get()).length > 10);
});

test('concurrent callers share one token request', async () => {
  const source = v2();
  const before = sim.stats().tokensIssued;
  const tokens = await Promise.all([source.get(), source.get(), source.get()]);
  assert.equal(new Set(tokens).size, 1);
  assert.equal(sim.stats().tokensIssued, before + 1);
});

const cases = [
  {
    name: 'wrong secret',
    source: () => v2({ secret: 'wrong-secret-value' }),
    message: /AADSTS7000215.*client secret is wrong/,
  },
  {
    name: 'unknown tenant',
    source: () => v2({ tenant: '00000000-0000-0000-0000-000000000000' }),
    message: /AADSTS90002.*tenant was not found/,
  },
  {
    name: 'bad scope',
    source: () => v2({ scope: 'https://graph.microsoft.com' }),
    message: /AADSTS70011.*scope is invalid/,
  },
];
for (const c of cases) {
  test(`token errors are actionable and never show the secret: ${c.name}`, async () => {
    const err = (await c
      .source()
      .get()
      .catch((e: unknown) => e)) as Error & { code: string; retryable: boolean };
    assert.equal(err.code, 'CR_ERR_INPUT_AUTH');
    assert.match(err.message, /^Failed to fetch OAuth token from http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(err.message, c.message);
    assert.equal(err.retryable, false);
    assert.doesNotMatch(err.message, /wrong-secret-value|sim~Q8/);
  });
}
