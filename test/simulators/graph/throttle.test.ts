import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGraphSimulator, type GraphSimulator } from './server.ts';
import { getToken, graphGet, manualClock } from './sim-client.ts';
import { formatRetryAfter, SlidingWindowThrottle } from './throttle.ts';

test('formatRetryAfter gives fractional seconds without trailing zeros', () => {
  assert.equal(formatRetryAfter(1250), '1.25');
  assert.equal(formatRetryAfter(8766), '8.766');
  assert.equal(formatRetryAfter(10_000), '10');
  assert.equal(formatRetryAfter(0.2), '0.001');
});

test('security budget: 150 per 60 s sliding window', () => {
  const throttle = new SlidingWindowThrottle();
  for (let i = 0; i < 150; i++) assert.equal(throttle.admit('security', 'app', 1000 + i * 10).admitted, true);
  const denied = throttle.admit('security', 'app', 5000);
  assert.deepEqual(denied, { admitted: false, retryAfterMs: 56_000 });
  assert.equal(
    throttle.admit('security', 'other-app', 5000).admitted,
    true,
    'budgets are per tenant and app',
  );
  assert.equal(throttle.admit('security', 'app', 61_000).admitted, true);
});

const clock = manualClock();
let sim: GraphSimulator;
let token: string;

before(async () => {
  sim = await startGraphSimulator({ clock });
  token = await getToken(sim);
});
after(() => sim.close());

test('identity group: 5 requests per 10 s shared by all identity endpoints, then 429 with a fractional Retry-After', async () => {
  const start = clock.now();
  const identityPaths = [
    '/v1.0/auditLogs/directoryAudits',
    '/v1.0/auditLogs/provisioning',
    '/v1.0/auditLogs/signIns',
    '/beta/auditLogs/signIns',
    '/v1.0/auditLogs/directoryAudits',
  ];
  for (const [i, path] of identityPaths.entries()) {
    clock.set(start + i * 100);
    assert.equal((await graphGet(sim, path, token)).status, 200, path);
  }
  clock.set(start + 1234);
  const throttled = await graphGet(sim, '/v1.0/auditLogs/signIns', token);
  assert.equal(throttled.status, 429);
  assert.equal(throttled.body.error?.code, 'TooManyRequests');
  assert.equal(throttled.body.error?.innerError?.['code'], '429');
  const retryAfter = throttled.headers.get('retry-after') ?? '';
  assert.equal(retryAfter, '8.766');

  // The security budget is separate.
  assert.equal((await graphGet(sim, '/v1.0/security/alerts_v2', token)).status, 200);

  clock.advance(Number(retryAfter) * 1000);
  assert.equal((await graphGet(sim, '/v1.0/auditLogs/provisioning', token)).status, 200);
  const again = await graphGet(sim, '/v1.0/auditLogs/directoryAudits', token);
  assert.equal(again.status, 429);
  assert.equal(again.headers.get('retry-after'), '0.1');
  assert.equal(sim.stats().throttled, 2);
  assert.equal(sim.stats().status['429'], 2);
});

test('throttle: false switches the budgets off', async () => {
  const open = await startGraphSimulator({ clock, throttle: false });
  try {
    const openToken = await getToken(open);
    for (let i = 0; i < 12; i++) {
      assert.equal((await graphGet(open, '/v1.0/auditLogs/signIns', openToken)).status, 200);
    }
  } finally {
    await open.close();
  }
});
