import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { type KubeApiTestServer, startKubeApiTestServer } from './server.ts';
import { collectorCrd, expectStatus, GROUP, installCrd, VERSION } from './test-fixtures.ts';

describe('KubeApiTestServer CRUD through client-node', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
  });
  after(() => server.close());

  it('creates, reads, lists with resourceVersion and rejects duplicates', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'app-config', labels: { app: 'collector', tier: 'a' } }, data: { k: 'v' } },
    });
    assert.equal(created.metadata?.namespace, 'default');
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    assert.equal(created.metadata?.generation, undefined, 'ConfigMaps have no generation');
    assert.equal(created.metadata?.managedFields?.[0]?.manager, 'kubernetes-client-javascript');

    const read = await core.readNamespacedConfigMap({ name: 'app-config', namespace: 'default' });
    assert.deepEqual(read.data, { k: 'v' });

    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    assert.equal(list.metadata?.resourceVersion, server.resourceVersion());
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['app-config'],
    );

    const dup = await expectStatus(
      core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'app-config' } } }),
    );
    assert.equal(dup.code, 409);
    assert.equal(dup.reason, 'AlreadyExists');
    assert.equal(dup.message, 'configmaps "app-config" already exists');
  });

  it('filters lists by label and field selectors and pages with limit/continue', async () => {
    for (const [name, tier] of [
      ['sel-1', 'a'],
      ['sel-2', 'b'],
      ['sel-3', 'b'],
    ]) {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name, labels: { group: 'sel', tier } } },
      });
    }
    const names = async (labelSelector?: string, fieldSelector?: string): Promise<string[]> =>
      (await core.listNamespacedConfigMap({ namespace: 'default', labelSelector, fieldSelector })).items.map(
        (i) => i.metadata?.name ?? '',
      );
    assert.deepEqual(await names('group=sel,tier=b'), ['sel-2', 'sel-3']);
    assert.deepEqual(await names('group=sel,tier!=b'), ['sel-1']);
    assert.deepEqual(await names('group=sel,tier in (a,c)'), ['sel-1']);
    assert.deepEqual(await names('group,!missing', 'metadata.name=sel-3'), ['sel-3']);
    const bad = await expectStatus(
      core.listNamespacedConfigMap({ namespace: 'default', fieldSelector: 'data.k=v' }),
    );
    assert.equal(bad.code, 400);

    const page1 = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'group=sel',
      limit: 2,
    });
    assert.equal(page1.items.length, 2);
    assert.ok(page1.metadata?._continue);
    const page2 = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'group=sel',
      limit: 2,
      _continue: page1.metadata?._continue,
    });
    assert.deepEqual(
      page2.items.map((i) => i.metadata?.name),
      ['sel-3'],
    );
  });

  it('generates names, requires the namespace to exist and rejects a set resourceVersion', async () => {
    const made = await core.createNamespacedSecret({
      namespace: 'default',
      body: { metadata: { generateName: 'token-' }, stringData: { password: 'hunter2' } },
    });
    assert.match(made.metadata?.name ?? '', /^token-[a-z0-9]{5}$/);
    assert.equal(made.type, 'Opaque');
    assert.equal(made.stringData, undefined);
    assert.equal(Buffer.from(made.data?.password ?? '', 'base64').toString(), 'hunter2');

    const missingNs = await expectStatus(
      core.createNamespacedConfigMap({ namespace: 'nope', body: { metadata: { name: 'x' } } }),
    );
    assert.equal(missingNs.code, 404);
    assert.equal(missingNs.message, 'namespaces "nope" not found');

    const withRv = await expectStatus(
      core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'x', resourceVersion: '3' } },
      }),
    );
    assert.equal(withRv.code, 500);
  });

  it('updates with optimistic concurrency: stale resourceVersion → 409 Conflict', async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'occ' }, data: { n: '1' } },
    });
    const first = await core.replaceNamespacedConfigMap({
      name: 'occ',
      namespace: 'default',
      body: { ...cm, data: { n: '2' } },
    });
    assert.ok(Number(first.metadata?.resourceVersion) > Number(cm.metadata?.resourceVersion));
    const stale = await expectStatus(
      core.replaceNamespacedConfigMap({
        name: 'occ',
        namespace: 'default',
        body: { ...cm, data: { n: '3' } },
      }),
    );
    assert.equal(stale.code, 409);
    assert.equal(stale.reason, 'Conflict');
    assert.match(
      stale.message,
      /the object has been modified; please apply your changes to the latest version/,
    );

    // An identical write is a no-op: same resourceVersion, no watch event.
    const again = await core.replaceNamespacedConfigMap({ name: 'occ', namespace: 'default', body: first });
    assert.equal(again.metadata?.resourceVersion, first.metadata?.resourceVersion);

    const renamed = await expectStatus(
      core.replaceNamespacedConfigMap({
        name: 'occ',
        namespace: 'default',
        body: { ...first, metadata: { ...first.metadata, name: 'other' } },
      }),
    );
    assert.equal(renamed.code, 400);
  });

  it('enforces the ConfigMap 1 MiB limit and key format with 422 Invalid', async () => {
    const big = await expectStatus(
      core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'big' }, data: { blob: 'x'.repeat(1024 * 1024) } },
      }),
    );
    assert.equal(big.code, 422);
    assert.equal(big.reason, 'Invalid');
    assert.match(big.message, /Too long: must have at most 1048576 bytes/);

    const badKey = await expectStatus(
      core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'bk' }, data: { 'a b': 'x' } },
      }),
    );
    assert.equal(badKey.details?.causes?.[0]?.field, 'data[a b]');

    const badLabel = await expectStatus(
      core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'bl', labels: { ok: 'not ok!' } } },
      }),
    );
    assert.equal(badLabel.details?.causes?.[0]?.field, 'metadata.labels');
  });

  it('deletes with preconditions and returns a Success Status', async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'gone' } },
    });
    const wrong = await expectStatus(
      core.deleteNamespacedConfigMap({
        name: 'gone',
        namespace: 'default',
        body: { preconditions: { resourceVersion: '1' } },
      }),
    );
    assert.equal(wrong.code, 409);
    const status = await core.deleteNamespacedConfigMap({
      name: 'gone',
      namespace: 'default',
      body: { preconditions: { uid: cm.metadata?.uid } },
    });
    assert.equal(status.status, 'Success');
    const missing = await expectStatus(core.readNamespacedConfigMap({ name: 'gone', namespace: 'default' }));
    assert.equal(missing.code, 404);
    assert.equal(missing.reason, 'NotFound');
  });

  it('serves Leases with resourceVersion conflicts for leader election', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const lease = await leases.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'operator-leader' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new Date() },
      },
    });
    const renewed = await leases.replaceNamespacedLease({
      name: 'operator-leader',
      namespace: 'default',
      body: { ...lease, spec: { ...lease.spec, renewTime: new Date(Date.now() + 1000) } },
    });
    // MicroTime is not in client-node's type map, so it comes back as the server's string.
    assert.match(String(renewed.spec?.renewTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/);
    const rival = await expectStatus(
      leases.replaceNamespacedLease({
        name: 'operator-leader',
        namespace: 'default',
        body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
      }),
    );
    assert.equal(rival.code, 409);
  });

  it('stores core/v1 and events.k8s.io/v1 Events in one storage', async () => {
    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'c1.abc' },
        involvedObject: { kind: 'ConfigMap', name: 'app-config', namespace: 'default' },
        reason: 'Reconciled',
        message: 'all good',
        type: 'Normal',
      },
    });
    const events = kc.makeApiClient(EventsV1Api);
    await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'c1.def' },
        eventTime: new Date(),
        reportingController: 'devo.com/collector-operator',
        reportingInstance: 'op-1',
        action: 'Reconcile',
        reason: 'Degraded',
        note: 'sink unreachable',
        type: 'Warning',
        regarding: { kind: 'ConfigMap', name: 'app-config', namespace: 'default' },
      },
    });
    const coreList = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=app-config',
    });
    assert.deepEqual(coreList.items.map((e) => e.message).sort(), ['all good', 'sink unreachable']);
    const v1 = await events.readNamespacedEvent({ name: 'c1.abc', namespace: 'default' });
    assert.equal(v1.note, 'all good');
    assert.equal(v1.regarding?.name, 'app-config');
    const invalid = await expectStatus(
      events.createNamespacedEvent({
        namespace: 'default',
        body: { metadata: { name: 'x' }, eventTime: new Date() },
      }),
    );
    assert.equal(invalid.code, 422);
  });

  it('works through KubernetesObjectApi (discovery first) and requires the bearer token', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await objects.create({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'collector', namespace: 'default' },
    });
    const sa = await objects.read({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'collector', namespace: 'default' },
    });
    assert.equal(sa.metadata?.name, 'collector');
    assert.ok(server.requests().some((r) => r.method === 'GET' && r.path === '/api/v1'));

    const res = await fetch(`${server.url}/api/v1/namespaces`);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, 'Unauthorized');
  });

  it('lists namespaces created by default and reports /version', async () => {
    const namespaces = await core.listNamespace();
    assert.deepEqual(
      namespaces.items.map((n) => n.metadata?.name),
      ['default', 'kube-node-lease', 'kube-public', 'kube-system'],
    );
    assert.equal(namespaces.items[0]?.status?.phase, 'Active');
    const version = (await (await fetch(`${server.url}/version`)).json()) as { major: string };
    assert.equal(version.major, '1');
  });

  it('writes a kubeconfig file, injects faults and resets to a fresh cluster', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-api-test-'));
    try {
      const fromFile = new KubeConfig();
      fromFile.loadFromFile(await server.writeKubeconfigFile(dir));
      assert.equal(fromFile.getCurrentCluster()?.server, server.url);
      const viaFile = fromFile.makeApiClient(CoreV1Api);

      server.injectFault({ method: 'GET', path: '/configmaps', status: 429, reason: 'TooManyRequests' });
      const throttled = await expectStatus(viaFile.listNamespacedConfigMap({ namespace: 'default' }));
      assert.equal(throttled.code, 429);
      assert.equal((await viaFile.listNamespacedConfigMap({ namespace: 'default' })).kind, 'ConfigMapList');

      const rvBefore = Number(server.resourceVersion());
      await server.reset();
      assert.equal((await viaFile.listNamespacedConfigMap({ namespace: 'default' })).items.length, 0);
      assert.ok(Number(server.resourceVersion()) > rvBefore, 'resourceVersions never go backwards');
      assert.equal(server.requests().length, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

interface Collector {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

function deployment(name: string): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'collector:1.0' }] },
      },
    },
  };
}

describe('generation and the status subresource', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  const ref = { group: GROUP, version: VERSION, namespace: 'default', plural: 'collectors' };

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc, collectorCrd());
  });
  after(() => server.close());

  it('bumps a custom resource generation only when spec changes', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Collector',
        metadata: { name: 'gen' },
        spec: { image: 'c:1', tenant: 't1' },
      },
    })) as Collector;
    assert.equal(created.metadata.generation, 1);

    const labelled = (await custom.patchNamespacedCustomObject(
      { ...ref, name: 'gen', body: { metadata: { labels: { team: 'x' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Collector;
    assert.equal(labelled.metadata.generation, 1, 'metadata-only change keeps generation');
    assert.notEqual(labelled.metadata.resourceVersion, created.metadata.resourceVersion);

    const respec = (await custom.patchNamespacedCustomObject(
      { ...ref, name: 'gen', body: { spec: { image: 'c:2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Collector;
    assert.equal(respec.metadata.generation, 2);
  });

  it('isolates status: main writes ignore status, /status writes ignore everything else', async () => {
    const base = (await custom.getNamespacedCustomObject({ ...ref, name: 'gen' })) as Collector;
    const ignored = (await custom.replaceNamespacedCustomObject({
      ...ref,
      name: 'gen',
      body: { ...base, status: { phase: 'Hacked' } },
    })) as Collector;
    assert.equal(ignored.status, undefined);
    assert.equal(
      ignored.metadata.resourceVersion,
      base.metadata.resourceVersion,
      'status-only main write is a no-op',
    );

    const withStatus = (await custom.replaceNamespacedCustomObjectStatus({
      ...ref,
      name: 'gen',
      body: {
        ...base,
        spec: { ...base.spec, image: 'ignored:9' },
        status: { phase: 'Ready', observedGeneration: 2 },
      },
    })) as Collector;
    assert.deepEqual(withStatus.status, { phase: 'Ready', observedGeneration: 2 });
    assert.equal(withStatus.spec.image, 'c:2');
    assert.equal(withStatus.metadata.generation, 2, 'status writes never bump generation');

    const patched = (await custom.patchNamespacedCustomObjectStatus(
      { ...ref, name: 'gen', body: { status: { phase: 'Degraded' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Collector;
    assert.equal(patched.status?.phase, 'Degraded');
    assert.equal(patched.status?.observedGeneration, 2);

    const stale = await expectStatus(
      custom.replaceNamespacedCustomObjectStatus({
        ...ref,
        name: 'gen',
        body: { ...withStatus, status: {} },
      }),
    );
    assert.equal(stale.code, 409);
  });

  it('treats Deployments like the apps/v1 strategy: spec and annotations bump generation, status is separate', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
    assert.equal(created.metadata?.generation, 1);
    assert.deepEqual({ ...created.status }, {});
    assert.equal(created.spec?.template.spec?.containers[0]?.imagePullPolicy, 'IfNotPresent');

    const labels = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: { metadata: { labels: { a: 'b' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(labels.metadata?.generation, 1, 'labels do not bump');
    const annotations = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: { metadata: { annotations: { note: 'x' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(annotations.metadata?.generation, 2, 'annotations bump (apps/v1 deployment strategy)');
    const scaled = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: 'default', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(scaled.metadata?.generation, 3);

    const status = await apps.replaceNamespacedDeploymentStatus({
      name: 'web',
      namespace: 'default',
      body: {
        ...scaled,
        spec: { ...scaled.spec!, replicas: 9 },
        status: { readyReplicas: 3, observedGeneration: 3 },
      },
    });
    assert.equal(status.spec?.replicas, 3);
    assert.equal(status.status?.readyReplicas, 3);
    assert.equal(status.metadata?.generation, 3);

    const bad = await expectStatus(
      apps.createNamespacedDeployment({
        namespace: 'default',
        body: {
          ...deployment('mismatch'),
          spec: { ...deployment('mismatch').spec!, selector: { matchLabels: { app: 'other' } } },
        },
      }),
    );
    assert.equal(bad.code, 422);
    assert.equal(bad.details?.causes?.[0]?.field, 'spec.template.metadata.labels');
  });

  it('does not give ConfigMaps a generation and keeps data changes generation-free', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'state' }, data: { a: '1' } },
    });
    const changed = await core.patchNamespacedConfigMap(
      { name: 'state', namespace: 'default', body: { data: { a: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.equal(changed.metadata?.generation, undefined);
    assert.equal(changed.data?.a, '2');
  });
});
