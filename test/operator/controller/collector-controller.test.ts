// The Collector controller against the in-process API server with the real client-node: every assertion
// is on the objects and status the server holds afterwards, never on which requests were made.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { API_VERSION } from '../../../operator/src/api/types.ts';
import type { JsonObject } from '../../support/kube-api-server/json-value.ts';
import {
  aCollector,
  aService,
  credentialsSecret,
  NAMESPACE,
  OperatorHarness,
  RUNTIME_IMAGE,
  waitFor,
} from './operator-harness.ts';

const CONFIG_HASH = 'collectors.devo.com/config-hash';

function podTemplateHash(deployment: JsonObject | undefined): string | undefined {
  const spec = deployment?.spec as
    { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined;
  return spec?.template?.metadata?.annotations?.[CONFIG_HASH];
}

function configYaml(h: OperatorHarness, collector: string): Record<string, unknown> {
  const cm = h.get('v1', 'ConfigMap', `${collector}-config`);
  return parse(String((cm?.data as Record<string, string>)['config.yaml'])) as Record<string, unknown>;
}

describe('Collector controller', () => {
  let h: OperatorHarness;
  before(async () => {
    h = await OperatorHarness.start();
    await h.createDefaultSecrets();
    await h.startController();
  });
  after(async () => h.close());

  test('applies a Collector and its Services into every child, then reports Ready', async () => {
    await h.create(aCollector('audit') as unknown as Record<string, unknown>);
    await h.create(
      aService('audit-signins', 'audit', 'signIns', { startTimeInUtc: '2025-01-01T00:00:00Z' }) as never,
    );
    await h.create(aService('audit-directory', 'audit', 'directory_audits') as never);

    const ready = await h.waitForCondition('audit', 'Ready', 'True');
    assert.equal(ready.reason, 'DeploymentAvailable');
    const collector = h.collector('audit')!;
    const uid = collector.metadata.uid;

    const deployment = h.get('apps/v1', 'Deployment', 'audit')!;
    const spec = deployment.spec as JsonObject & { template: { spec: { containers: JsonObject[] } } };
    assert.equal(spec.replicas, 1);
    assert.deepEqual(spec.strategy, { type: 'Recreate' });
    assert.equal(spec.template.spec.containers[0]!.image, RUNTIME_IMAGE);
    assert.equal(podTemplateHash(deployment), collector.status?.configHash);

    for (const [apiVersion, kind, name] of [
      ['v1', 'ServiceAccount', 'audit'],
      ['rbac.authorization.k8s.io/v1', 'Role', 'audit-runtime'],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'audit-runtime'],
      ['v1', 'ConfigMap', 'audit-config'],
      ['v1', 'ConfigMap', 'audit-state'],
      ['v1', 'Service', 'audit-metrics'],
      ['apps/v1', 'Deployment', 'audit'],
    ] as const) {
      const obj = h.get(apiVersion, kind, name);
      assert.ok(obj, `${kind} ${name} exists`);
      const owners = (obj.metadata as { ownerReferences?: { uid: string; controller: boolean }[] })
        .ownerReferences;
      assert.deepEqual(
        owners?.map((o) => [o.uid, o.controller]),
        [[uid, true]],
        `${kind} ${name} is owned by the Collector`,
      );
    }
    const services = (configYaml(h, 'audit').inputs as Record<string, { services: Record<string, unknown> }>)
      .microsoft_graph_audit!.services;
    assert.deepEqual(Object.keys(services).sort(), ['directory_audits', 'signIns']);

    assert.equal(collector.status?.services, 2);
    assert.equal(collector.status?.readyServices, 2);
    for (const type of ['ConfigValid', 'SecretsFound'])
      assert.equal(h.condition('audit', type)?.status, 'True');
    assert.equal(h.condition('audit', 'Degraded')?.status, 'False');
    assert.equal(h.condition('audit', 'Progressing')?.status, 'False');
    const service = await waitFor('Service Ready', () => {
      const s = h.service('audit-signins');
      return s?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && s;
    });
    assert.equal(service.status?.observedGeneration, service.metadata.generation);
    await waitFor('an Event for Ready turning True', () => h.events('DeploymentAvailable').length >= 1);
  });

  test('a missing Secret sets SecretsFound=False naming Secret and key; creating it makes the Collector Ready', async () => {
    await h.create(aCollector('late', { credentials: 'late-credentials' }) as never);
    await h.create(aService('late-signins', 'late', 'signIns') as never);
    const missing = await h.waitForCondition('late', 'SecretsFound', 'False');
    assert.match(missing.message, /late-credentials/);
    assert.equal(h.condition('late', 'Ready')?.status, 'False');
    assert.equal(h.get('apps/v1', 'Deployment', 'late'), undefined, 'no Deployment without its Secret');

    // A Secret with a key missing: the message names the key.
    const partial = credentialsSecret('late-credentials') as { stringData: Record<string, string> };
    delete partial.stringData.client_secret;
    await h.create(partial);
    const keyMissing = await waitFor('SecretsFound naming client_secret', () => {
      const c = h.condition('late', 'SecretsFound');
      return c?.status === 'False' && c.message.includes('client_secret') && c;
    });
    assert.match(keyMissing.message, /late-credentials/);

    await h.replaceSecretData('late-credentials', { tenant_id: 't', client_id: 'c', client_secret: 's' });
    await h.waitForCondition('late', 'Ready', 'True');
    assert.ok(h.get('apps/v1', 'Deployment', 'late'));
    assert.ok(h.events().some((e) => e.type === 'Warning' && String(e.message).includes('late-credentials')));
  });

  test('an invalid Service setting sets ConfigValid=False naming the field, and the running config stays', async () => {
    const configBefore = h.get('v1', 'ConfigMap', 'audit-config')!.data;
    await h.patchSpec('Service', 'audit-signins', { startTimeInUtc: '2999-01-01T00:00:00Z' });
    const invalid = await h.waitForCondition('audit', 'ConfigValid', 'False');
    assert.match(invalid.message, /audit-signins/);
    assert.match(invalid.message, /startTimeInUtc/);
    assert.deepEqual(h.get('v1', 'ConfigMap', 'audit-config')!.data, configBefore);
    assert.ok(h.get('apps/v1', 'Deployment', 'audit'), 'the running Deployment is kept');
    const service = await waitFor('Service ConfigValid=False', () => {
      const c = h.service('audit-signins')?.status?.conditions?.find((x) => x.type === 'ConfigValid');
      return c?.status === 'False' && c;
    });
    assert.match(service.message, /startTimeInUtc/);

    await h.patchSpec('Service', 'audit-signins', { startTimeInUtc: '2025-01-01T00:00:00Z' });
    await h.waitForCondition('audit', 'ConfigValid', 'True');
    await h.waitForCondition('audit', 'Ready', 'True');
  });

  test('a child the render no longer wants (left by an older operator version) is deleted', async () => {
    await h.create(aCollector('switch') as never);
    await h.create(aService('switch-signins', 'switch', 'signIns') as never);
    await h.waitForCondition('switch', 'Ready', 'True');
    const owner = h.collector('switch')!;
    // persistence.type is immutable in the CRD, so "no longer desired" is played by a stale Role.
    h.server.createObject({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: {
        name: 'switch-legacy',
        namespace: NAMESPACE,
        labels: { 'app.kubernetes.io/managed-by': 'devo-collector-operator' },
        ownerReferences: [
          {
            apiVersion: API_VERSION,
            kind: 'Collector',
            name: 'switch',
            uid: owner.metadata.uid!,
            controller: true,
          },
        ],
      },
      rules: [],
    });
    await waitFor(
      'the stale Role to go',
      () => h.get('rbac.authorization.k8s.io/v1', 'Role', 'switch-legacy') === undefined,
    );
    assert.ok(h.get('rbac.authorization.k8s.io/v1', 'Role', 'switch-runtime'), 'the wanted Role stays');
  });

  test('API errors while listing restart the informers with backoff and the controller converges', async () => {
    await h.stopController();
    h.server.injectFault({
      method: 'GET',
      path: '/apis/collectors.devo.com/v1alpha1/namespaces/devo/services',
      status: 500,
      times: 2,
    });
    await h.create(aCollector('restarted') as never);
    await h.create(aService('restarted-signins', 'restarted', 'signIns') as never);
    await h.startController();
    await h.waitForCondition('restarted', 'Ready', 'True');
    assert.equal(h.collector('restarted')!.status?.services, 1);
  });
});

describe('Collector controller with a namespace list', () => {
  test('ignores Collectors outside the watched namespaces', async () => {
    const h = await OperatorHarness.start();
    try {
      h.server.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
      h.server.createObject({
        ...aCollector('outside'),
        metadata: { name: 'outside', namespace: 'elsewhere' },
      } as never);
      await h.createDefaultSecrets();
      await h.create(aCollector('inside') as never);
      await h.create(aService('inside-signins', 'inside', 'signIns') as never);
      await h.startController();
      await h.waitForCondition('inside', 'Ready', 'True');
      const outside = h.server.getObject(API_VERSION, 'Collector', 'outside', 'elsewhere');
      assert.equal(outside?.status, undefined);
    } finally {
      await h.close();
    }
  });
});

describe('Collector readiness', () => {
  test('Ready follows the Deployment: False while its pod is not available, True once it is', async () => {
    let markReady: () => void = () => undefined;
    const podReady = new Promise<void>((resolve) => (markReady = resolve));
    const h = await OperatorHarness.start({
      workloads: { onPodStart: () => ({ stop: () => undefined, ready: podReady }) },
    });
    try {
      await h.createDefaultSecrets();
      await h.create(aCollector('slow') as never);
      await h.create(aService('slow-signins', 'slow', 'signIns') as never);
      await h.startController();
      await waitFor('the Deployment', () => h.get('apps/v1', 'Deployment', 'slow'));
      // The pod started but never turned ready: rolled out, nothing available.
      await waitFor('Progressing=True with 0 available', () => {
        const c = h.condition('slow', 'Progressing');
        return c?.status === 'True' && /1 updated replica, 0 available/.test(c.message);
      });
      assert.equal(h.condition('slow', 'Ready')?.status, 'False');
      assert.equal(h.collector('slow')!.status?.readyServices, 0);
      const service = h.service('slow-signins')!.status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(service?.status, 'False');

      markReady();
      await h.waitForCondition('slow', 'Ready', 'True');
      assert.equal(h.condition('slow', 'Progressing')?.status, 'False');
      await waitFor('readyServices 1', () => h.collector('slow')?.status?.readyServices === 1);
    } finally {
      await h.close();
    }
  });
});
