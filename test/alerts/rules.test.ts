// The alerting rules (charts/devo-collector-operator/alerts/devo-collector.rules.yaml) under promtool's own
// unit tests, and every metric they read checked against the metrics the runtime and the operator export,
// so a renamed metric or a wrong expression fails the build.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { createCollectorMetrics } from '../../collector-runtime/src/metrics/catalog.ts';
import { createOperatorMetrics } from '../../operator/src/metrics.ts';

const run = promisify(execFile);
const HERE = new URL('.', import.meta.url).pathname;
const RULES = new URL(
  '../../charts/devo-collector-operator/alerts/devo-collector.rules.yaml',
  import.meta.url,
).pathname;

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}

test('promtool: the rules are valid and pass their unit tests', async () => {
  await run('promtool', ['check', 'rules', RULES]);
  const r = await run('promtool', ['test', 'rules', join(HERE, 'devo-collector.rules.test.yaml')], {
    cwd: HERE,
  }).catch((err: { stdout?: string; stderr?: string }) => assert.fail(`${err.stdout}\n${err.stderr}`));
  assert.match(r.stdout, /SUCCESS/);
});

test('every metric the rules read is one the runtime or the operator exports', async () => {
  const exported = new Set<string>();
  for (const registry of [createCollectorMetrics().registry, createOperatorMetrics().registry])
    for (const m of await registry.getMetricsAsJSON()) exported.add(m.name);
  const rules = parse(readFileSync(RULES, 'utf8')) as RuleFile;
  const used = new Set<string>();
  for (const rule of rules.groups.flatMap((g) => g.rules))
    for (const name of rule.expr.match(/\b(devo_[a-z_]+|process_[a-z_]+)\b/g) ?? []) used.add(name);
  assert.ok(used.size >= 8, [...used].join(', '));
  assert.deepEqual(
    [...used].filter((name) => !exported.has(name)),
    [],
    'metrics read by the rules but exported by nobody',
  );
});

test('the rules cover what operators page on', () => {
  const rules = parse(readFileSync(RULES, 'utf8')) as RuleFile;
  assert.deepEqual(rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort(), [
    'DevoCollectorCheckpointNotSaved',
    'DevoCollectorClientCertificateExpiring',
    'DevoCollectorEventsLost',
    'DevoCollectorNoSuccessfulPull',
    'DevoCollectorSenderDisconnected',
    'DevoCollectorSenderQueueNearFull',
    'DevoCollectorThrottled',
    'DevoOperatorReconcileErrors',
  ]);
});
