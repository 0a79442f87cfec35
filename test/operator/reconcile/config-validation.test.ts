import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pinProblem, validateRendered } from '../../../operator/src/reconcile/config-validation.ts';
import {
  COLLECTOR_INPUT_FIELDS,
  RESERVED_INPUT_SETTINGS,
  RESERVED_SERVICE_SETTINGS,
  SERVICE_FIELDS,
} from '../../../operator/src/api/config-keys.ts';
import { renderConfig } from '../../../operator/src/reconcile/config-render.ts';
import { formatProblem } from '../../../operator/src/reconcile/field-problem.ts';
import { aCollector, aService, credentials, NOW } from './reconcile-fixture.ts';

const owners = { signIns: 'signins-main', directory_audits: 'audits' };
const IN = 'inputs.microsoft_graph_audit';

const cases: { path: string; expect: string }[] = [
  { path: `${IN}.services.signIns.start_time_in_utc`, expect: 'Service signins-main spec.startTimeInUtc: M' },
  {
    path: `${IN}.services.signIns.request_period_in_seconds`,
    expect: 'Service signins-main spec.requestPeriodSeconds: M',
  },
  {
    path: `${IN}.services.directory_audits.override_query_window_max_seconds`,
    expect: 'Service audits spec.overrideQueryWindowMaxSeconds: M',
  },
  {
    path: `${IN}.services.signIns.late_arrival_window_in_seconds`,
    expect: 'Service signins-main spec.settings.late_arrival_window_in_seconds: M',
  },
  {
    path: `${IN}.services.signIns.nested.deeper[2]`,
    expect: 'Service signins-main spec.settings.nested.deeper[2]: M',
  },
  { path: `${IN}.services.signIns`, expect: 'Service signins-main spec.service: M' },
  {
    path: `${IN}.services`,
    expect: 'Collector graph-audit: no Service names this Collector in spec.collectorRef.name; M',
  },
  {
    path: `${IN}.credentials.client_secret_file`,
    expect:
      'Collector graph-audit spec.credentialsSecretRef: key client_secret of Secret graph-credentials: M',
  },
  { path: `${IN}.credentials`, expect: 'Collector graph-audit spec.credentialsSecretRef: M' },
  { path: `${IN}.id`, expect: 'Collector graph-audit spec.inputId: M' },
  { path: `${IN}.requests_per_second`, expect: 'Collector graph-audit spec.requestsPerSecond: M' },
  {
    path: `${IN}.override_top_level_domain`,
    expect: 'Collector graph-audit spec.settings.override_top_level_domain: M',
  },
  { path: IN, expect: 'Collector graph-audit spec.source: M' },
  { path: 'outputs.devo_1.config.address', expect: 'Collector graph-audit spec.output.address: M' },
  {
    path: 'outputs.devo_1.config.verify_hostname',
    expect: 'Collector graph-audit spec.output.verifyHostname: M',
  },
  {
    path: 'outputs.devo_1.config.chain',
    expect: 'Collector graph-audit spec.output.certificateSecretRef: M',
  },
  { path: 'globals.persistence.config.name', expect: 'Collector graph-audit spec.persistence: M' },
  { path: 'globals.hostname', expect: 'Collector graph-audit: config.yaml globals.hostname: M' },
];

for (const c of cases) {
  test(`runtime path ${c.path} is pinned on the CR field behind it`, () => {
    assert.equal(formatProblem(pinProblem(c.path, 'M', aCollector(), owners)), c.expect);
  });
}

test('every CR field maps to a distinct runtime key, and those keys are reserved in settings', () => {
  for (const table of [SERVICE_FIELDS, COLLECTOR_INPUT_FIELDS]) {
    const keys = Object.values(table);
    assert.equal(new Set(keys).size, keys.length);
  }
  for (const key of Object.values(SERVICE_FIELDS)) assert.ok(RESERVED_SERVICE_SETTINGS.includes(key));
  for (const key of Object.values(COLLECTOR_INPUT_FIELDS)) assert.ok(RESERVED_INPUT_SETTINGS.includes(key));
});

test('the runtime accepts <key>_file for every credential, so config.yaml never holds one', () => {
  // Needs the runtime to take `_file`/`_env` for every credential key (today only `secret: true` ones):
  // the operator never sees Secret values, so tenant_id and client_id must come from files too.
  const problems = validateRendered(
    aCollector(),
    renderConfig(aCollector(), [aService('sign-ins')], credentials()),
    NOW,
  ).errors;
  const credentialProblems = problems
    .filter((p) => p.field === 'spec.credentialsSecretRef')
    .map(formatProblem);
  assert.deepEqual(credentialProblems, []);
});

test('ConfigValid rejects an impossible start date on the Service field, with the runtime message', () => {
  const service = aService('sign-ins', { startTimeInUtc: '2025-02-30T00:00:00Z' });
  const errors = validateRendered(
    aCollector(),
    renderConfig(aCollector(), [service], credentials()),
    Date.parse('2026-01-01T00:00:00Z'),
  ).errors.map(formatProblem);
  assert.deepEqual(
    errors.filter((e) => e.includes('startTimeInUtc')),
    [
      'Service sign-ins spec.startTimeInUtc: invalid start time "2025-02-30T00:00:00Z": day 30 does not exist in 2025-02 (it has 28 days); give a real UTC time like "2024-01-01T00:00:00Z"',
    ],
  );
});
