import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { validateConfig } from '../../../collector-runtime/src/config/validate.ts';
import { inputRegistry, legacyInputs } from '../../../collector-runtime/src/inputs/registry.ts';
import { checkAgainstSchema } from '../../../operator/src/api/schema-check.ts';
import { checkDashboardMetrics } from '../../../operator/src/manifests/generated-files.ts';
import { dashboardMetricNames, grafanaDashboard } from '../../../operator/src/manifests/dashboard.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Validates a stand-alone example as the runtime would in the Docker layout, with one credentials file. */
function validateStandalone(file: string, credentialFile: string) {
  const home = '/devo-collector';
  const { config, problems } = validateConfig(parse(read(file)), {
    now: Date.parse('2025-06-01T00:00:00Z'),
    env: {},
    paths: { base: home, certs: `${home}/certs`, config: `${home}/config`, state: `${home}/state` },
    files: {
      readText: (p) =>
        p === `${home}/credentials/${credentialFile}` ? { text: 'secret\n' } : { error: 'does not exist' },
      checkReadable: (p) => (p.startsWith(`${home}/certs/`) ? undefined : 'does not exist'),
      checkDirectory: () => undefined,
    },
    registry: inputRegistry,
    legacyInputs,
  });
  assert.deepEqual(problems, []);
  return config!.inputs.flatMap((i) => i.services.map((s) => s.name));
}

test('examples/standalone/microsoft-graph/config.yaml passes the runtime validator with all eight services', () => {
  const configured = validateStandalone('examples/standalone/microsoft-graph/config.yaml', 'client_secret');
  // Two of the eight are present but disabled (enabled: false), so they do not run.
  assert.equal(configured.length, 6);
});

test('examples/standalone/proofpoint-on-demand/config.yaml passes the runtime validator with both streams', () => {
  assert.deepEqual(validateStandalone('examples/standalone/proofpoint-on-demand/config.yaml', 'api_key'), [
    'message',
    'maillog',
  ]);
});

test('the dashboard queries only metrics the runtime or the operator exports, and covers the key ones', () => {
  const names = dashboardMetricNames(grafanaDashboard());
  checkDashboardMetrics(names);
  for (const required of [
    'devo_collector_events_received_total',
    'devo_collector_events_sent_total',
    'devo_collector_events_duplicated_total',
    'devo_collector_api_requests_total',
    'devo_collector_api_throttle_wait_seconds_total',
    'devo_collector_pull_duration_seconds',
    'devo_collector_last_successful_pull_timestamp_seconds',
    'devo_collector_sender_queue_events',
    'devo_collector_sender_connected',
    'devo_collector_sender_bytes_total',
    'devo_collector_state_writes_total',
    'devo_collector_token_refreshes_total',
    'devo_collector_dedup_filter_fill_ratio',
    'devo_operator_reconcile_total',
    'devo_operator_reconcile_duration_seconds',
    'devo_operator_managed_collectors',
  ])
    assert.ok(names.includes(required), `dashboard lacks ${required}`);
  assert.throws(() => checkDashboardMetrics(['devo_collector_nope_total']), /devo_collector_nope_total/);
});

test('dashboard panels do not overlap', () => {
  const cells = new Set<string>();
  for (const p of grafanaDashboard().panels as {
    gridPos: { x: number; y: number; w: number; h: number };
    title: string;
  }[]) {
    const { x, y, w, h } = p.gridPos;
    assert.ok(x + w <= 24, `${p.title} is wider than the grid`);
    for (let i = x; i < x + w; i++)
      for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `${p.title} overlaps another panel`);
        cells.add(`${i},${j}`);
      }
  }
});

test('the chart: values.yaml fits values.schema.json; templates include the generated RBAC rules', () => {
  const chart = 'charts/devo-collector-operator';
  const values = parse(read(`${chart}/values.yaml`));
  assert.deepEqual(checkAgainstSchema(values, JSON.parse(read(`${chart}/values.schema.json`))), []);
  assert.deepEqual(
    checkAgainstSchema(
      { ...values, crds: { install: 'yes' } },
      JSON.parse(read(`${chart}/values.schema.json`)),
    ),
    [{ path: 'crds.install', message: 'must be a boolean, got string "yes"' }],
  );
  const rbac = read(`${chart}/templates/rbac.yaml`);
  const rules = read(`${chart}/templates/_rbac-rules.tpl`);
  for (const name of ['devo-collector-operator.rules', 'devo-collector-operator.leaderElectionRules']) {
    assert.match(rbac, new RegExp(`include "${name.replace('.', '\\.')}"`));
    assert.match(rules, new RegExp(`define "${name.replace('.', '\\.')}"`));
  }
  const crds = read(`${chart}/templates/crds.yaml`);
  assert.match(crds, /\{\{- if \.Values\.crds\.install \}\}/);
  assert.equal(crds.match(/helm\.sh\/resource-policy: keep/g)?.length, 2);
  assert.match(
    read(`${chart}/templates/servicemonitor.yaml`),
    /\.Capabilities\.APIVersions\.Has "monitoring\.coreos\.com\/v1"/,
  );
  assert.match(
    read(`${chart}/templates/dashboard-configmap.yaml`),
    /\.Values\.dashboards\.label \}\}: \{\{ \.Values\.dashboards\.labelValue/,
  );
  assert.equal(values.dashboards.label, 'grafana_dashboard');
  assert.equal(values.dashboards.labelValue, '1');
});
