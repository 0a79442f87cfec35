import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1OwnerReference,
} from '@kubernetes/client-node';
import { type KubeApiTestServer, startKubeApiTestServer } from './server.ts';
import { collectorCrd, expectStatus, GROUP, installCrd, VERSION, waitFor } from './test-fixtures.ts';
import type { ControllerHandle, PodHandle } from './controllers.ts';

interface Collector {
  metadata: {
    name: string;
    uid: string;
    generation: number;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('finalizers, deletionTimestamp and garbage collection', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  const ref = { group: GROUP, version: VERSION, namespace: 'default', plural: 'collectors' };

  const makeCollector = async (name: string, finalizers?: string[]): Promise<Collector> =>
    (await custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Collector',
        metadata: { name, finalizers },
        spec: { image: 'c:1', tenant: 't' },
      },
    })) as Collector;

  const ownedBy = (owner: Collector, blockOwnerDeletion = true): V1OwnerReference => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Collector',
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion,
  });

  const exists = async (name: string, namespace = 'default'): Promise<boolean> => {
    try {
      await core.readNamespacedConfigMap({ name, namespace });
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc, collectorCrd());
  });
  after(() => server.close());

  it('keeps a finalized object with deletionTimestamp until the finalizer is removed', async () => {
    await makeCollector('fin', ['collectors.devo.com/cleanup']);
    const deleting = (await custom.deleteNamespacedCustomObject({ ...ref, name: 'fin' })) as Collector;
    assert.ok(deleting.metadata.deletionTimestamp);
    assert.equal(deleting.metadata.generation, 2, 'entering deletion bumps generation');

    const stillThere = (await custom.getNamespacedCustomObject({ ...ref, name: 'fin' })) as Collector;
    assert.deepEqual(stillThere.metadata.finalizers, ['collectors.devo.com/cleanup']);

    const addMore = await expectStatus(
      custom.patchNamespacedCustomObject(
        {
          ...ref,
          name: 'fin',
          body: { metadata: { finalizers: ['collectors.devo.com/cleanup', 'x.io/y'] } },
        },
        MERGE,
      ),
    );
    assert.equal(addMore.code, 422);

    await custom.patchNamespacedCustomObject(
      { ...ref, name: 'fin', body: [{ op: 'remove', path: '/metadata/finalizers' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const gone = await expectStatus(custom.getNamespacedCustomObject({ ...ref, name: 'fin' }));
    assert.equal(gone.code, 404);
  });

  it('cascades deletion to dependents in the background', async () => {
    const owner = await makeCollector('owner-bg');
    for (const name of ['bg-config', 'bg-state']) {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name, ownerReferences: [ownedBy(owner)] } },
      });
    }
    await custom.deleteNamespacedCustomObject({ ...ref, name: 'owner-bg' });
    assert.equal(await exists('bg-config'), false);
    assert.equal(await exists('bg-state'), false);
  });

  it('foreground deletion waits for blocking dependents', async () => {
    const owner = await makeCollector('owner-fg');
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: { name: 'fg-child', finalizers: ['devo.com/hold'], ownerReferences: [ownedBy(owner)] },
      },
    });
    await custom.deleteNamespacedCustomObject({ ...ref, name: 'owner-fg', propagationPolicy: 'Foreground' });
    const waiting = (await custom.getNamespacedCustomObject({ ...ref, name: 'owner-fg' })) as Collector;
    assert.deepEqual(waiting.metadata.finalizers, ['foregroundDeletion']);
    const child = await core.readNamespacedConfigMap({ name: 'fg-child', namespace: 'default' });
    assert.ok(child.metadata?.deletionTimestamp);

    await core.patchNamespacedConfigMap(
      { name: 'fg-child', namespace: 'default', body: { metadata: { finalizers: null } } },
      MERGE,
    );
    assert.equal(await exists('fg-child'), false);
    const ownerGone = await expectStatus(custom.getNamespacedCustomObject({ ...ref, name: 'owner-fg' }));
    assert.equal(ownerGone.code, 404);
  });

  it('orphan deletion strips ownerReferences instead of deleting', async () => {
    const owner = await makeCollector('owner-orphan');
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'orphan-child', ownerReferences: [ownedBy(owner)] } },
    });
    await custom.deleteNamespacedCustomObject({ ...ref, name: 'owner-orphan', propagationPolicy: 'Orphan' });
    const child = await core.readNamespacedConfigMap({ name: 'orphan-child', namespace: 'default' });
    assert.equal(child.metadata?.ownerReferences, undefined);
  });

  it('collects dependents whose owner uid does not exist', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: {
          name: 'dangling',
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'ghost',
              uid: '00000000-0000-0000-0000-000000000000',
            },
          ],
        },
      },
    });
    assert.equal(await exists('dangling'), false);
  });

  it('drains a deleted namespace, blocks new content while Terminating, then removes it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'tenant-a' } } });
    await core.createNamespacedConfigMap({ namespace: 'tenant-a', body: { metadata: { name: 'x' } } });
    await custom.createNamespacedCustomObject({
      ...ref,
      namespace: 'tenant-a',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Collector',
        metadata: { name: 'held', finalizers: ['collectors.devo.com/cleanup'] },
        spec: { image: 'c', tenant: 't' },
      },
    });
    const ns = await core.deleteNamespace({ name: 'tenant-a' });
    assert.equal((ns as { status?: { phase?: string } }).status?.phase, 'Terminating');
    assert.equal(await exists('x', 'tenant-a'), false);
    const blocked = await expectStatus(
      core.createNamespacedConfigMap({ namespace: 'tenant-a', body: { metadata: { name: 'late' } } }),
    );
    assert.equal(blocked.code, 403);

    await custom.patchNamespacedCustomObject(
      { ...ref, namespace: 'tenant-a', name: 'held', body: { metadata: { finalizers: null } } },
      MERGE,
    );
    const nsGone = await expectStatus(core.readNamespace({ name: 'tenant-a' }));
    assert.equal(nsGone.code, 404);
  });
});

function deployment(name: string, replicas: number, image = 'collector:1'): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

describe('controller stand-ins', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let apps: AppsV1Api;
  let controllers: ControllerHandle | undefined;

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    apps = kc.makeApiClient(AppsV1Api);
  });
  afterEach(async () => {
    await controllers?.stop();
    controllers = undefined;
  });
  after(() => server.close());

  it('starts pods through the callback, reports readiness, scales to zero and counts rollouts', async () => {
    const running = new Set<string>();
    const images: string[] = [];
    controllers = server.runControllers({
      onPodStart: (d, pod): PodHandle => {
        running.add(pod.podName);
        images.push(
          String(
            d.spec &&
              (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
                .containers[0]?.image,
          ),
        );
        return { stop: () => void running.delete(pod.podName) };
      },
    });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('col', 2) });
    const ready = await waitFor('two ready replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'col', namespace: 'default' });
      return d.status?.readyReplicas === 2 ? d : undefined;
    });
    assert.equal(ready.status?.availableReplicas, 2);
    assert.equal(ready.status?.observedGeneration, 1);
    assert.equal(ready.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
    assert.equal(running.size, 2);
    assert.equal(server.rollouts('col'), 1);

    await apps.patchNamespacedDeployment(
      {
        name: 'col',
        namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'collector:2' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await waitFor('rollout of generation 2', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'col', namespace: 'default' });
      return d.status?.observedGeneration === 2 && d.status.readyReplicas === 2 ? d : undefined;
    });
    assert.equal(server.rollouts('col'), 2);
    assert.deepEqual(images, ['collector:1', 'collector:1', 'collector:2', 'collector:2']);
    assert.equal(running.size, 2, 'Recreate stopped the old pods');

    await apps.patchNamespacedDeployment(
      { name: 'col', namespace: 'default', body: { spec: { replicas: 0 } } },
      MERGE,
    );
    const scaled = await waitFor('scaled to zero', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'col', namespace: 'default' });
      return d.status?.observedGeneration === 3 && d.status.replicas === undefined ? d : undefined;
    });
    assert.equal(scaled.status?.readyReplicas, undefined, 'zero counts are omitted like omitempty');
    assert.equal(running.size, 0);
    assert.equal(server.runningPods('col'), 0);
  });

  it('uses the handle readiness promise and restarts pods whose process exited', async () => {
    let starts = 0;
    let crash: (() => void) | undefined;
    let becomeReady: (() => void) | undefined;
    controllers = server.runControllers({
      restartDelayMs: 10,
      onPodStart: (_d, pod) => {
        starts++;
        const ready = new Promise<void>((resolve) => (becomeReady = resolve));
        const exited = new Promise<void>((resolve) => (crash = resolve));
        assert.equal(pod.restartCount, starts - 1);
        return { stop: () => {}, ready, exited };
      },
    });
    await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('gated', 1) });
    await waitFor('first start', () => (starts === 1 ? true : undefined));
    const notYet = await apps.readNamespacedDeployment({ name: 'gated', namespace: 'default' });
    assert.equal(notYet.status?.readyReplicas, undefined);
    becomeReady?.();
    await waitFor('ready', async () =>
      (await apps.readNamespacedDeployment({ name: 'gated', namespace: 'default' })).status?.readyReplicas ===
      1
        ? true
        : undefined,
    );
    crash?.();
    await waitFor('restart after exit', () => (starts === 2 ? true : undefined));
    const afterCrash = await apps.readNamespacedDeployment({ name: 'gated', namespace: 'default' });
    assert.equal(afterCrash.status?.readyReplicas, undefined, 'a restarted pod is unready until it says so');
  });

  it('runs Jobs through onJob and reports Complete or Failed after the backoff limit', async () => {
    const batch = kc.makeApiClient(BatchV1Api);
    const runs: string[] = [];
    controllers = server.runControllers({
      onJob: async (job) => {
        const name = String((job.metadata as { name: string }).name);
        runs.push(name);
        return name === 'ok' ? 0 : 3;
      },
    });
    const job = (name: string, backoffLimit: number) => ({
      metadata: { name },
      spec: {
        backoffLimit,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'drain', image: 'collector:1' }] } },
      },
    });
    const created = await batch.createNamespacedJob({ namespace: 'default', body: job('ok', 0) });
    assert.equal(
      created.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid'],
      created.metadata?.uid,
    );
    await batch.createNamespacedJob({ namespace: 'default', body: job('bad', 1) });
    const ok = await waitFor('job ok complete', async () => {
      const j = await batch.readNamespacedJob({ name: 'ok', namespace: 'default' });
      return j.status?.conditions?.some((c) => c.type === 'Complete') ? j : undefined;
    });
    assert.equal(ok.status?.succeeded, 1);
    const bad = await waitFor('job bad failed', async () => {
      const j = await batch.readNamespacedJob({ name: 'bad', namespace: 'default' });
      return j.status?.conditions?.some((c) => c.type === 'Failed') ? j : undefined;
    });
    assert.equal(bad.status?.failed, 2, 'backoffLimit 1 → two attempts');
    assert.equal(bad.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.deepEqual(runs.sort(), ['bad', 'bad', 'ok']);
  });

  it('binds PersistentVolumeClaims', async () => {
    controllers = server.runControllers();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPersistentVolumeClaim({
      namespace: 'default',
      body: {
        metadata: { name: 'positions' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    const bound = await waitFor('bound claim', async () => {
      const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'positions', namespace: 'default' });
      return pvc.status?.phase === 'Bound' ? pvc : undefined;
    });
    assert.equal(bound.status?.capacity?.storage, '1Gi');
  });
});
