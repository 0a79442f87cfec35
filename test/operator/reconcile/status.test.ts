import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredState } from '../../../operator/src/reconcile/desired-state.ts';
import type { ReconcileInput } from '../../../operator/src/reconcile/contract.ts';
import { condition, find } from './desired-state-queries.ts';
import {
  aCollector,
  aSecret,
  aService,
  anInput,
  credentials,
  SENTINEL,
  tlsCertificate,
} from './reconcile-fixture.ts';

test('a missing credentials Secret: SecretsFound=False naming it, config still rendered, no Deployment', () => {
  const d = desiredState(anInput({ secrets: { 'devo-certificate': tlsCertificate() } }));
  const found = condition(d, 'SecretsFound');
  assert.equal(found.status, 'False');
  assert.equal(found.reason, 'SecretNotFound');
  assert.match(
    found.message,
    /Secret graph-credentials \(spec\.credentialsSecretRef\) not found in namespace sec/,
  );
  assert.match(found.message, /tenant_id, client_id, client_secret/);
  assert.equal(condition(d, 'ConfigValid').status, 'True');
  assert.ok(!d.objects.some((o) => o.kind === 'Deployment'));
  find(d, 'ConfigMap', 'graph-audit-config');
  assert.deepEqual(d.withheld, ['Deployment/graph-audit']);
});

test('a Secret without a needed key: SecretsFound=False naming the Secret and the key', () => {
  const noChain = aSecret('devo-certificate', { 'tls.crt': 'C', 'tls.key': 'K' }, 'kubernetes.io/tls');
  const noClientSecret = aSecret('graph-credentials', { tenant_id: 't', client_id: 'c' });
  const d = desiredState(
    anInput({ secrets: { 'graph-credentials': noClientSecret, 'devo-certificate': noChain } }),
  );
  const found = condition(d, 'SecretsFound');
  assert.equal(found.status, 'False');
  assert.equal(found.reason, 'SecretKeyMissing');
  assert.match(
    found.message,
    /Secret graph-credentials \(spec\.credentialsSecretRef\) has no key client_secret/,
  );
  assert.match(
    found.message,
    /Secret devo-certificate \(spec\.output\.certificateSecretRef\) has no key ca\.crt/,
  );
  assert.ok(!d.objects.some((o) => o.kind === 'Deployment'));
});

const security = aCollector({ source: 'microsoft_graph_security' });

const invalidServices: {
  name: string;
  service: ReturnType<typeof aService>;
  collector?: ReturnType<typeof aCollector>;
  expect: RegExp;
}[] = [
  {
    name: 'a start time in the future',
    service: aService('sign-ins', { startTimeInUtc: '2030-01-01T00:00:00Z' }),
    expect:
      /^Service sign-ins spec\.startTimeInUtc: invalid start time "2030-01-01T00:00:00Z": must be in the past/,
  },
  {
    name: 'a request period below the service minimum',
    service: aService('sign-ins', { requestPeriodSeconds: 10 }),
    expect: /^Service sign-ins spec\.requestPeriodSeconds: got 10, expected a whole number of at least 60/,
  },
  {
    name: 'an unknown setting',
    service: aService('sign-ins', { settings: { late_arival_window_in_seconds: 60 } }),
    expect:
      /^Service sign-ins spec\.settings\.late_arival_window_in_seconds: unknown setting; did you mean "late_arrival_window_in_seconds"\?/,
  },
  {
    name: 'an invalid Devo tag',
    service: aService('audits', { service: 'directory_audits', overrideTag: 'Not A Tag' }),
    expect: /^Service audits spec\.overrideTag: got "Not A Tag", expected a Devo tag/,
  },
  {
    name: 'a setting the service does not take',
    service: aService('profiles', {
      service: 'secure_score_control_profiles',
      startTimeInUtc: '2025-01-01T00:00:00Z',
    }),
    collector: security,
    expect:
      /^Service profiles spec\.startTimeInUtc: unknown setting; secure_score_control_profiles does not take start_time_in_utc/,
  },
  {
    name: 'a setting that belongs to a field of its own',
    service: aService('sign-ins', { settings: { request_period_in_seconds: 120 } }),
    expect:
      /^Service sign-ins spec\.settings\.request_period_in_seconds: is set by the resource's own fields; set spec\.requestPeriodSeconds instead/,
  },
];

for (const c of invalidServices) {
  test(`an invalid Service (${c.name}): ConfigValid=False naming the Service and field, nothing applied`, () => {
    const d = desiredState(
      anInput({ services: [c.service], ...(c.collector ? { collector: c.collector } : {}) }),
    );
    const valid = condition(d, 'ConfigValid');
    assert.equal(valid.status, 'False');
    assert.equal(valid.reason, 'ConfigInvalid');
    assert.match(valid.message, c.expect);
    assert.match(d.serviceProblems[c.service.metadata.name]![0]!, c.expect);
    assert.deepEqual(d.objects, []);
    assert.ok(d.withheld!.includes('Deployment/graph-audit'));
  });
}

test('a Service whose service the source does not offer: ConfigValid=False on it', () => {
  const d = desiredState(anInput({ services: [aService('alerts', { service: 'alerts_v2' })] }));
  const valid = condition(d, 'ConfigValid');
  assert.equal(valid.status, 'False');
  assert.match(
    valid.message,
    /Service alerts spec\.service: unknown service: alerts_v2 belongs to input microsoft_graph_security \(microsoft_graph_audit offers: directory_audits, provisioning_audits, signIns, signIns_v2\)/,
  );
  assert.deepEqual(Object.keys(d.serviceProblems), ['alerts']);
});

test('two Services for the same service: the second is reported, by name', () => {
  const d = desiredState(anInput({ services: [aService('a-sign-ins'), aService('b-sign-ins')] }));
  assert.match(
    condition(d, 'ConfigValid').message,
    /Service b-sign-ins spec\.service: service signIns is already configured by Service a-sign-ins/,
  );
});

test('no Services: ConfigValid=False with reason NoServices', () => {
  const d = desiredState(anInput({ services: [] }));
  const valid = condition(d, 'ConfigValid');
  assert.equal(valid.reason, 'NoServices');
  assert.match(
    valid.message,
    /^Collector graph-audit: no Service names this Collector in spec\.collectorRef\.name/,
  );
});

test('no secret value appears in any object, condition or message', () => {
  const inputs: ReconcileInput[] = [
    anInput(),
    anInput({ secrets: { 'graph-credentials': credentials() } }),
    anInput({ services: [aService('x', { settings: { client_secret: SENTINEL } })] }),
    anInput({ collector: aCollector({ settings: { client_secret: SENTINEL } }) }),
  ];
  for (const input of inputs) {
    const text = JSON.stringify(desiredState(input));
    assert.ok(!text.includes(SENTINEL), `secret value leaked: ${text.slice(0, 300)}`);
  }
});
