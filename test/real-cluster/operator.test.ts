// The operator against a real kube-apiserver, etcd and kube-controller-manager: children and owner
// references, status through the status subresource, Deployment rollouts made by the controller-manager,
// garbage collection, and state resets that complete exactly once. One cluster for the file, one
// namespace per test, the operator's own `run` code in this process as a certificate user.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import {
  aCollector,
  Api,
  aService,
  certificateSecret,
  installCrds,
  namespaceWithSecrets,
  runOperatorInProcess,
  waitFor,
  yamlDocs,
} from './support.ts';

const OPERATOR_USER = 'devo-operator-test';
const CHILD_KINDS =
  'serviceaccounts,roles,rolebindings,configmaps,persistentvolumeclaims,deployments,services';
const CONFIG_HASH = 'collectors.devo.com/config-hash';

interface Meta {
  kind: string;
  metadata: {
    name: string;
    uid: string;
    ownerReferences?: { uid: string; kind: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  };
}

describe('the operator on a real API server', { timeout: 600_000 }, () => {
  let cluster: RealCluster;
  let api: Api;
  let operator: Awaited<ReturnType<typeof runOperatorInProcess>>;

  before(
    async () => {
      cluster = await startRealCluster();
      api = new Api(cluster.admin.kc);
      await installCrds(cluster);
      // A user of its own (in system:masters here; RBAC scoping is rbac.test.ts's), so the audit log tells
      // the operator's requests from the test's.
      const user = await cluster.certificateUser(OPERATOR_USER, ['system:masters']);
      operator = await runOperatorInProcess(user.file, ['--resync-period-seconds', '600']);
    },
    { timeout: 1_200_000 },
  );
  after(async () => {
    await operator?.stop('test done');
    await cluster?.stop();
  });

  async function children(namespace: string, collectorUid: string): Promise<Meta[]> {
    const out = await cluster.kubectlOk(['get', CHILD_KINDS, '-n', namespace, '-o', 'json']);
    return (JSON.parse(out) as { items: Meta[] }).items.filter((o) =>
      o.metadata.ownerReferences?.some((r) => r.uid === collectorUid),
    );
  }

  async function templateHash(namespace: string, name: string): Promise<string | undefined> {
    return (await api.deployment(namespace, name))?.spec?.template.metadata?.annotations?.[CONFIG_HASH];
  }

  /** Waits for the controller-manager to make a ReplicaSet for the Deployment's current template. */
  async function replicaSetFor(namespace: string, name: string, hash: string) {
    return waitFor(
      `a ReplicaSet of ${name} with config hash ${hash}`,
      async () =>
        (await api.replicaSets(namespace, name)).find(
          (rs) => rs.spec?.template?.metadata?.annotations?.[CONFIG_HASH] === hash,
        ),
      30_000,
      200,
    );
  }

  test('creates every child with an owner reference and writes status through the status subresource', async () => {
    const ns = 'children';
    await namespaceWithSecrets(cluster, ns);
    await api.create(aCollector(ns, 'graph'));
    await api.create(aService(ns, 'graph-signins', 'graph', 'signIns'));
    const collector = await api.waitForCondition(ns, 'graph', 'ConfigValid', 'True');
    await api.waitForCondition(ns, 'graph', 'SecretsFound', 'True');

    const owned = await waitFor(
      'all children',
      async () => {
        const c = await children(ns, collector.metadata.uid!);
        return c.length >= 7 && c;
      },
      30_000,
      200,
    );
    assert.deepEqual(owned.map((o) => o.kind).sort(), [
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    for (const o of owned) {
      const ref = o.metadata.ownerReferences!.find((r) => r.uid === collector.metadata.uid)!;
      assert.equal(ref.kind, 'Collector');
      assert.equal(ref.controller, true, `${o.kind} ${o.metadata.name} is controlled by its Collector`);
    }
    // The controller-manager turned the Deployment into a ReplicaSet and a (Pending: no kubelet) Pod.
    const hash = await templateHash(ns, 'graph');
    assert.ok(hash);
    await replicaSetFor(ns, 'graph', hash);

    const writes = (await cluster.auditEvents()).filter(
      (e) =>
        e.user.username === OPERATOR_USER &&
        e.objectRef?.resource === 'collectors' &&
        ['update', 'patch'].includes(e.verb),
    );
    assert.ok(writes.length > 0, 'the operator wrote Collector status');
    assert.deepEqual(
      writes.filter((e) => e.objectRef?.subresource !== 'status').map((e) => e.requestURI),
      [],
      'every Collector write of the operator went to the status subresource',
    );
    assert.ok(writes.every((e) => (e.responseStatus?.code ?? 0) < 300));
    assert.equal(collector.status?.observedGeneration, collector.metadata.generation);
    // The recorded store is in the CRD's status schema: a real API server does not prune it.
    assert.deepEqual(collector.status?.persistence, { type: 'ConfigMap' });
  });

  test('a Service change rolls the Deployment: a new ReplicaSet from the controller-manager', async () => {
    const ns = 'service-change';
    await namespaceWithSecrets(cluster, ns);
    await api.create(aCollector(ns, 'roll'));
    await api.create(aService(ns, 'roll-signins', 'roll', 'signIns'));
    await api.waitForCondition(ns, 'roll', 'ConfigValid', 'True');
    const first = await waitFor('the first template hash', () => templateHash(ns, 'roll'), 30_000, 200);
    await replicaSetFor(ns, 'roll', first);

    await api.patchSpec('Service', ns, 'roll-signins', { requestPeriodSeconds: 600 });
    const second = await waitFor(
      'a new template hash',
      async () => {
        const h = await templateHash(ns, 'roll');
        return h !== first && h;
      },
      30_000,
      200,
    );
    await replicaSetFor(ns, 'roll', second);
    assert.equal((await api.replicaSets(ns, 'roll')).length, 2);
    const config = parse(
      (await api.core.readNamespacedConfigMap({ name: 'roll-config', namespace: ns })).data!['config.yaml']!,
    ) as { inputs: Record<string, { services: Record<string, { request_period_in_seconds?: number }> }> };
    assert.equal(config.inputs.microsoft_graph_audit!.services.signIns!.request_period_in_seconds, 600);
    await waitFor(
      'status with the new hash',
      async () => (await api.collector(ns, 'roll'))?.status?.configHash === second,
      30_000,
      200,
    );
  });

  test('a certificate Secret rotation rolls the Deployment', async () => {
    const ns = 'cert-rotation';
    await namespaceWithSecrets(cluster, ns);
    await api.create(aCollector(ns, 'rot'));
    await api.create(aService(ns, 'rot-signins', 'rot', 'signIns'));
    await api.waitForCondition(ns, 'rot', 'SecretsFound', 'True');
    const first = await waitFor('the first template hash', () => templateHash(ns, 'rot'), 30_000, 200);
    await replicaSetFor(ns, 'rot', first);

    await cluster.kubectlOk(['apply', '-f', '-'], { input: yamlDocs([certificateSecret(ns, '2')]) });
    const second = await waitFor(
      'a new template hash',
      async () => {
        const h = await templateHash(ns, 'rot');
        return h !== first && h;
      },
      30_000,
      200,
    );
    await replicaSetFor(ns, 'rot', second);
    assert.equal((await api.replicaSets(ns, 'rot')).length, 2);
    // Nothing of the Secret's content reaches the config, the Deployment or the status.
    const config = await api.core.readNamespacedConfigMap({ name: 'rot-config', namespace: ns });
    for (const written of [config, await api.deployment(ns, 'rot'), await api.collector(ns, 'rot')])
      assert.ok(!JSON.stringify(written).includes('serial-2'));
  });

  test('deleting a Collector removes its children (the garbage collector)', async () => {
    const ns = 'gc';
    await namespaceWithSecrets(cluster, ns);
    await api.create(aCollector(ns, 'gone'));
    await api.create(aService(ns, 'gone-signins', 'gone', 'signIns'));
    const collector = await api.waitForCondition(ns, 'gone', 'ConfigValid', 'True');
    const uid = collector.metadata.uid!;
    await waitFor('children', async () => (await children(ns, uid)).length >= 7, 30_000, 200);
    const hash = await templateHash(ns, 'gone');
    await replicaSetFor(ns, 'gone', hash!);

    await api.deleteCollector(ns, 'gone');
    await waitFor(
      'no child left',
      async () => (await children(ns, uid)).length === 0 && (await api.replicaSets(ns, 'gone')).length === 0,
      60_000,
      250,
    );
    const orphan = await waitFor(
      'the Service reports its Collector gone',
      async () => {
        const svc = (await api.custom.getNamespacedCustomObject({
          group: 'collectors.devo.com',
          version: 'v1alpha1',
          namespace: ns,
          plural: 'services',
          name: 'gone-signins',
        })) as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
        const ready = svc.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.reason === 'CollectorNotFound' && ready;
      },
      30_000,
      200,
    );
    assert.equal(orphan.status, 'False');
    const pods = await api.core.listNamespacedPod({ namespace: ns });
    await waitFor(
      'no collector pod left',
      async () => (await api.core.listNamespacedPod({ namespace: ns })).items.length === 0,
      60_000,
      250,
    ).catch((err: Error) =>
      assert.fail(`${err.message}: ${pods.items.map((p) => p.metadata?.name).join(',')}`),
    );
  });

  test('a ConfigMap state reset removes the key once, before the new config rolls out', async () => {
    const ns = 'cm-reset';
    const key = 'microsoft_graph_audit.cmr.signIns';
    const other = 'microsoft_graph_audit.cmr.directory_audits';
    await namespaceWithSecrets(cluster, ns);
    await api.create(aCollector(ns, 'cmr'));
    await api.create(
      aService(ns, 'cmr-signins', 'cmr', 'signIns', { startTimeInUtc: '2025-01-01T00:00:00Z' }),
    );
    await api.create(aService(ns, 'cmr-directory', 'cmr', 'directory_audits'));
    await api.waitForCondition(ns, 'cmr', 'ConfigValid', 'True');
    await waitFor(
      'the state ConfigMap',
      () => api.core.readNamespacedConfigMap({ name: 'cmr-state', namespace: ns }),
      30_000,
      200,
    );
    const writeState = async (data: Record<string, string>) => {
      // What the runtime's ConfigMap store does: read, change, replace with the resourceVersion.
      const current = await api.core.readNamespacedConfigMap({ name: 'cmr-state', namespace: ns });
      await api.core.replaceNamespacedConfigMap({
        name: 'cmr-state',
        namespace: ns,
        body: { ...current, data: { ...current.data, ...data } },
      });
    };
    await writeState({ [key]: '{"cursor":"old"}', [other]: '{"cursor":"keep"}' });
    const before = await templateHash(ns, 'cmr');

    await api.patchSpec('Service', ns, 'cmr-signins', { startTimeInUtc: '2024-06-01T00:00:00Z' });
    await api.waitForCondition(ns, 'cmr', 'StateReset', 'True');
    const state = await api.core.readNamespacedConfigMap({ name: 'cmr-state', namespace: ns });
    assert.equal(state.data?.[key], undefined, 'the changed service lost its checkpoint');
    assert.equal(state.data?.[other], '{"cursor":"keep"}', 'the other service kept its own');
    assert.notEqual(await templateHash(ns, 'cmr'), before, 'the new config rolled out');
    assert.equal((await api.events(ns, 'StateReset', 'cmr')).length, 1);

    // Exactly once: the runtime writes a new checkpoint, more reconciles happen, the key stays.
    await writeState({ [key]: '{"cursor":"new"}' });
    await api.patchSpec('Service', ns, 'cmr-directory', { requestPeriodSeconds: 600 });
    await waitFor(
      'the later change applied',
      async () => {
        const s = await api.custom.getNamespacedCustomObject({
          group: 'collectors.devo.com',
          version: 'v1alpha1',
          namespace: ns,
          plural: 'services',
          name: 'cmr-directory',
        });
        return (s as { status?: { observedGeneration?: number } }).status?.observedGeneration === 2;
      },
      30_000,
      200,
    );
    await api.waitForCondition(ns, 'cmr', 'ConfigValid', 'True');
    const after = await api.core.readNamespacedConfigMap({ name: 'cmr-state', namespace: ns });
    assert.equal(after.data?.[key], '{"cursor":"new"}');
    assert.equal((await api.events(ns, 'StateReset', 'cmr')).length, 1);
  });

  test('a PVC state reset scales to zero, runs one Job (marked complete as a kubelet would) and scales back', async () => {
    const ns = 'pvc-reset';
    await namespaceWithSecrets(cluster, ns);
    await api.create(aCollector(ns, 'pvr', 'PersistentVolumeClaim'));
    await api.create(
      aService(ns, 'pvr-signins', 'pvr', 'signIns', { startTimeInUtc: '2025-01-01T00:00:00Z' }),
    );
    await api.waitForCondition(ns, 'pvr', 'ConfigValid', 'True');
    await waitFor('the Deployment', () => api.deployment(ns, 'pvr'), 30_000, 200);

    await api.patchSpec('Service', ns, 'pvr-signins', { resetPersistenceAuth: 'first' });
    const job = await waitFor(
      'the reset Job',
      async () => (await api.batch.listNamespacedJob({ namespace: ns })).items[0],
      60_000,
      200,
    );
    const deployment = await api.deployment(ns, 'pvr');
    assert.equal(deployment?.spec?.replicas, 0, 'no collector pod runs while the Job touches the volume');
    // The runtime image has only node (no shell, no rm): node removes the one file.
    assert.deepEqual(job.spec?.template.spec?.containers[0]?.command, [
      'node',
      '-e',
      'require("node:fs").rmSync(process.argv[1], { force: true })',
      '/devo-collector/state/microsoft_graph_audit.pvr.signIns.json',
    ]);

    // No kubelet runs the Job's pod: report it finished through the Job's status subresource.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await cluster.kubectlOk([
      'patch',
      'job',
      job.metadata!.name!,
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: {
          startTime: now,
          completionTime: now,
          succeeded: 1,
          conditions: [{ type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now }],
        },
      }),
    ]);
    await api.waitForCondition(ns, 'pvr', 'StateReset', 'True', 60_000);
    await waitFor(
      'the Deployment back at one replica and the Job gone',
      async () =>
        (await api.deployment(ns, 'pvr'))?.spec?.replicas === 1 &&
        (await api.batch.listNamespacedJob({ namespace: ns })).items.length === 0,
      60_000,
      200,
    );
    assert.equal((await api.events(ns, 'StateReset', 'pvr')).length, 1);
    const jobCreates = (await cluster.auditEvents()).filter(
      (e) =>
        e.objectRef?.resource === 'jobs' &&
        e.objectRef.namespace === ns &&
        ['create', 'patch'].includes(e.verb) &&
        e.objectRef.subresource === undefined &&
        e.user.username === OPERATOR_USER &&
        e.responseStatus?.code === 201,
    );
    assert.equal(jobCreates.length, 1, 'one Job created for one reset');
  });
});
