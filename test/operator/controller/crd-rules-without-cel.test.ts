// On an API server that drops the CRDs' CEL rules (Kubernetes before 1.25), the operator checks the same
// rules itself before it creates anything.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_COLLECTOR_NAME } from '../../../operator/src/reconcile/child-meta.ts';
import { aCollector, aService, OperatorHarness } from './operator-harness.ts';

let h: OperatorHarness;
before(async () => {
  h = await OperatorHarness.start({ withoutCelRules: true });
  await h.createDefaultSecrets();
  await h.startController();
});
after(async () => h.close());

test('a 60-character Collector name: ConfigValid=False naming the rule, and no child is created', async () => {
  const name = `a${'b'.repeat(59)}`;
  await h.create(aCollector(name) as never);
  const valid = await h.waitForCondition(name, 'ConfigValid', 'False');
  assert.equal(valid.reason, 'CrdRuleViolated');
  assert.match(valid.message, new RegExp(`at most ${MAX_COLLECTOR_NAME} characters`));
  for (const [apiVersion, kind, child] of [
    ['v1', 'ServiceAccount', name],
    ['rbac.authorization.k8s.io/v1', 'Role', `${name}-runtime`],
    ['v1', 'ConfigMap', `${name}-config`],
    ['v1', 'ConfigMap', `${name}-state`],
    ['apps/v1', 'Deployment', name],
  ] as const)
    assert.equal(h.get(apiVersion, kind, child), undefined, `${kind} ${child} was not created`);
});

test(`a name of exactly ${MAX_COLLECTOR_NAME} characters gets every child, the metrics Service too`, async () => {
  const name = `a${'b'.repeat(MAX_COLLECTOR_NAME - 1)}`;
  await h.create(aCollector(name) as never);
  await h.create(aService('long-signins', name, 'signIns') as never);
  await h.waitForCondition(name, 'ConfigValid', 'True');
  await h.waitForCondition(name, 'Ready', 'True');
  assert.ok(h.get('v1', 'Service', `${name}-metrics`));
});

test('a PVC size on ConfigMap persistence (a CEL-only rule) is refused before anything is created', async () => {
  const collector = aCollector('sized');
  collector.spec.persistence = { type: 'ConfigMap', size: '1Gi' };
  await h.create(collector as never);
  const valid = await h.waitForCondition('sized', 'ConfigValid', 'False');
  assert.equal(valid.reason, 'CrdRuleViolated');
  assert.match(valid.message, /Collector sized spec\.persistence: size and storageClassName apply only/);
  assert.equal(h.get('v1', 'ServiceAccount', 'sized'), undefined);
});
