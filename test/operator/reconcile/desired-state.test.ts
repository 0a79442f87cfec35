import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { desiredState } from '../../../operator/src/reconcile/desired-state.ts';
import type { DesiredState } from '../../../operator/src/reconcile/contract.ts';
import { condition, configOf, find, podSpec } from './desired-state-queries.ts';
import type { CollectorResource } from '../../../operator/src/api/types.ts';
import { MAX_COLLECTOR_NAME } from '../../../operator/src/reconcile/child-meta.ts';
import {
  aCollector,
  aService,
  anInput,
  credentials,
  NAMESPACE,
  tlsCertificate,
} from './reconcile-fixture.ts';

test('a Collector with two Services renders every child, owned by the Collector and labelled', () => {
  const d = desiredState(anInput());
  assert.deepEqual(
    d.objects.map((o) => `${o.kind}/${o.metadata?.name}`),
    [
      'ServiceAccount/graph-audit',
      'Role/graph-audit-runtime',
      'RoleBinding/graph-audit-runtime',
      'ConfigMap/graph-audit-config',
      'ConfigMap/graph-audit-state',
      'Service/graph-audit-metrics',
      'Deployment/graph-audit',
    ],
  );
  for (const o of d.objects) {
    assert.equal(o.metadata?.namespace, NAMESPACE);
    assert.deepEqual(o.metadata?.labels, {
      'app.kubernetes.io/name': 'devo-collector',
      'app.kubernetes.io/instance': 'graph-audit',
      'app.kubernetes.io/managed-by': 'devo-collector-operator',
      'collectors.devo.com/collector': 'graph-audit',
    });
    assert.deepEqual(o.metadata?.ownerReferences, [
      {
        apiVersion: 'collectors.devo.com/v1alpha1',
        kind: 'Collector',
        name: 'graph-audit',
        uid: '7a1c1e1e-0000-4000-8000-000000000001',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  }
  assert.deepEqual(
    d.conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['ConfigValid', 'True', 'ConfigValid'],
      ['SecretsFound', 'True', 'SecretsFound'],
    ],
  );
  assert.deepEqual(d.withheld, []);
  assert.deepEqual(d.serviceProblems, {});
});

test('the state store is a data-less ConfigMap the collector may only get/update/patch', () => {
  const d = desiredState(anInput());
  assert.equal(find(d, 'ConfigMap', 'graph-audit-state').data, undefined);
  assert.deepEqual(find(d, 'Role').rules, [
    {
      apiGroups: ['collectors.devo.com'],
      resources: ['collectors/status'],
      resourceNames: ['graph-audit'],
      verbs: ['get', 'patch'],
    },
    {
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ['graph-audit-state'],
      verbs: ['get', 'update', 'patch'],
    },
  ]);
  const binding = find(d, 'RoleBinding');
  assert.deepEqual(binding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'Role',
    name: 'graph-audit-runtime',
  });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'graph-audit', namespace: NAMESPACE }]);
  assert.equal(podSpec(d).automountServiceAccountToken, true);
});

test('changing a Service changes config.yaml and the config hash', () => {
  const before = desiredState(anInput());
  const input = anInput();
  input.services[0] = aService('sign-ins', {
    startTimeInUtc: '2025-01-01T00:00:00Z',
    overrideTag: 'my.app.graph.signins',
  });
  const after = desiredState(input);
  assert.notEqual(after.configHash, before.configHash);
  assert.equal(
    configOf(after).inputs.microsoft_graph_audit.services.signIns.override_tag,
    'my.app.graph.signins',
  );
  assert.notDeepEqual(
    find(after, 'ConfigMap', 'graph-audit-config').data,
    find(before, 'ConfigMap', 'graph-audit-config').data,
  );
  assert.equal(
    find(after, 'Deployment').spec.template.metadata.annotations['collectors.devo.com/config-hash'],
    after.configHash,
  );
});

test('rotating the certificate changes only the config hash (and so rolls the pod)', () => {
  const before = desiredState(anInput());
  const after = desiredState(
    anInput({ secrets: { 'graph-credentials': credentials(), 'devo-certificate': tlsCertificate('v2') } }),
  );
  assert.notEqual(after.configHash, before.configHash);
  const withoutHash = (d: DesiredState) =>
    JSON.parse(JSON.stringify(d.objects).replaceAll(d.configHash, '<hash>')) as KubernetesObject[];
  assert.deepEqual(withoutHash(after), withoutHash(before));
  assert.deepEqual(after.conditions, before.conditions);
});

test('Services of other Collectors, other namespaces or being deleted are left out', () => {
  const mine = aService('sign-ins', { startTimeInUtc: '2025-01-01T00:00:00Z' });
  const other = aService('other', { service: 'directory_audits' }, 'graph-other');
  const elsewhere = {
    ...aService('elsewhere', { service: 'provisioning_audits' }),
    metadata: { name: 'elsewhere', namespace: 'other-ns' },
  };
  const deleting = aService('deleting', { service: 'signIns_v2' });
  deleting.metadata.deletionTimestamp = '2025-05-01T00:00:00Z';
  const d = desiredState(anInput({ services: [mine, other, elsewhere, deleting] }));
  assert.deepEqual(Object.keys(configOf(d).inputs.microsoft_graph_audit.services), ['signIns']);
});

test('desiredState is pure: same input, same output, input untouched', () => {
  const input = anInput();
  const copy = structuredClone(input);
  assert.deepEqual(desiredState(input), desiredState(input));
  assert.deepEqual(input, copy);
});

test('the longest Collector name the CRD allows names every child within 63 characters; one more renders nothing', () => {
  const longest = `a${'b'.repeat(MAX_COLLECTOR_NAME - 1)}`;
  const ok = desiredState(
    anInput({ collector: aCollector({}, longest), services: [aService('s', {}, longest)] }),
  );
  assert.ok(ok.objects.length > 0);
  for (const o of ok.objects) assert.ok(o.metadata!.name!.length <= 63, `${o.kind} ${o.metadata?.name}`);
  const tooLong = `${longest}c`;
  const d = desiredState(
    anInput({ collector: aCollector({}, tooLong), services: [aService('s', {}, tooLong)] }),
  );
  assert.deepEqual(d.objects, []);
  const valid = d.conditions.find((c) => c.type === 'ConfigValid')!;
  assert.deepEqual([valid.status, valid.reason], ['False', 'CrdRuleViolated']);
  assert.match(valid.message, new RegExp(`^Collector ${tooLong}: the Collector name must be a DNS label`));
});

test('the desired state says where the state lives and the input id, agreeing with the objects it renders', () => {
  const pvc = desiredState(
    anInput({
      collector: aCollector({ persistence: { type: 'PersistentVolumeClaim' }, inputId: 'graph-1' }),
    }),
  );
  const location = pvc.state.location;
  assert.equal(location.type, 'pvc');
  assert.equal(pvc.state.inputId, 'graph-1');
  if (location.type !== 'pvc') return;
  assert.ok(find(pvc, 'PersistentVolumeClaim', location.claimName));
  const pod = podSpec(pvc) as any;
  const volume = pod.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === location.claimName);
  const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
  assert.equal(mount.mountPath, location.mountPath);

  const cm = desiredState(anInput());
  assert.deepEqual(cm.state, {
    location: { type: 'configmap', namespace: NAMESPACE, name: 'graph-audit-state' },
    inputId: 'graph-audit',
  });
  assert.ok(find(cm, 'ConfigMap', 'graph-audit-state'));
  assert.equal((configOf(cm).inputs as any).microsoft_graph_audit.id, 'graph-audit');
});

test('unset persistence takes the source default (a PersistentVolumeClaim for office365), and the recorded choice wins after', () => {
  const o365 = (spec: Partial<CollectorResource['spec']> = {}, status?: CollectorResource['status']) => ({
    ...aCollector({ source: 'office365', ...spec }, 'o365'),
    ...(status ? { status } : {}),
  });
  const services = [aService('o365-sharepoint', { service: 'sharepoint' }, 'o365')];
  const persistenceOf = (d: DesiredState) =>
    parse(find(d, 'ConfigMap', 'o365-config').data['config.yaml']).globals.persistence.type;
  const fresh = desiredState(anInput({ collector: o365(), services }));
  assert.equal(condition(fresh, 'ConfigValid').status, 'True', condition(fresh, 'ConfigValid').message);
  assert.equal(fresh.state.location.type, 'pvc');
  assert.ok(find(fresh, 'PersistentVolumeClaim', 'o365-state'));
  assert.equal(
    fresh.objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'o365-state'),
    undefined,
  );
  assert.equal(persistenceOf(fresh), 'filesystem');
  // Other sources keep the ConfigMap default (the graph Collector of anInput() sets no persistence).
  assert.equal(desiredState(anInput()).state.location.type, 'configmap');

  // Recorded before (e.g. when the default was a ConfigMap): kept although the default is now a PVC.
  const kept = desiredState(
    anInput({ collector: o365({}, { persistence: { type: 'ConfigMap' } }), services }),
  );
  assert.equal(kept.state.location.type, 'configmap');
  assert.ok(find(kept, 'ConfigMap', 'o365-state'));
  assert.equal(persistenceOf(kept), 'configmap');

  // A spec.persistence added later that names the other store is refused; the recorded store stays.
  const switched = desiredState(
    anInput({
      collector: o365(
        { persistence: { type: 'ConfigMap' } },
        { persistence: { type: 'PersistentVolumeClaim' } },
      ),
      services,
    }),
  );
  assert.deepEqual(switched.objects, []);
  assert.equal(switched.state.location.type, 'pvc');
  assert.ok(switched.withheld?.includes('PersistentVolumeClaim/o365-state'), 'the PVC is not pruned');
  const refused = condition(switched, 'ConfigValid');
  assert.equal(refused.status, 'False');
  assert.match(
    refused.message,
    /Collector o365 spec\.persistence\.type: is ConfigMap, but this Collector keeps its checkpoints in a PersistentVolumeClaim/,
  );
});
