import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { type KubeApiTestServer, startKubeApiTestServer } from './server.ts';
import { collectorCrd, expectStatus, GROUP, installCrd, VERSION } from './test-fixtures.ts';

describe('PATCH content types', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    await installCrd(kc, collectorCrd());
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'p', labels: { keep: 'yes', drop: 'yes' } }, data: { a: '1', b: '2' } },
    });
  });
  after(() => server.close());

  it('typed clients send json-patch by default: an array body works', async () => {
    const patched = await core.patchNamespacedConfigMap({
      name: 'p',
      namespace: 'default',
      body: [
        { op: 'test', path: '/data/a', value: '1' },
        { op: 'replace', path: '/data/a', value: '10' },
        { op: 'remove', path: '/metadata/labels/drop' },
      ],
    });
    assert.deepEqual(patched.data, { a: '10', b: '2' });
    assert.deepEqual(patched.metadata?.labels, { keep: 'yes' });
    const last = server.requests().at(-1);
    assert.equal(last?.contentType, PatchStrategy.JsonPatch);

    const failedTest = await expectStatus(
      core.patchNamespacedConfigMap({
        name: 'p',
        namespace: 'default',
        body: [{ op: 'test', path: '/data/a', value: 'x' }],
      }),
    );
    assert.equal(failedTest.code, 422);

    // An object body with the default content type is a json-patch decode error, as on a real server.
    const objectBody = await expectStatus(
      core.patchNamespacedConfigMap({ name: 'p', namespace: 'default', body: { data: { a: '11' } } }),
    );
    assert.equal(objectBody.code, 400);
  });

  it('merge patch via setHeaderOptions: objects merge, null deletes, lists replace', async () => {
    const patched = await core.patchNamespacedConfigMap(
      { name: 'p', namespace: 'default', body: { data: { b: null, c: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(patched.data, { a: '10', c: '3' });
    const stale = await expectStatus(
      core.patchNamespacedConfigMap(
        { name: 'p', namespace: 'default', body: { metadata: { resourceVersion: '1' }, data: { c: '4' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    assert.equal(stale.code, 409, 'a resourceVersion inside a patch is a precondition');
  });

  it('strategic merge patch merges containers and env by name and finalizers as a set', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'smp', finalizers: ['devo.com/a'] },
        spec: {
          selector: { matchLabels: { app: 'smp' } },
          template: {
            metadata: { labels: { app: 'smp' } },
            spec: {
              containers: [
                { name: 'main', image: 'c:1', env: [{ name: 'A', value: '1' }] },
                { name: 'sidecar', image: 's:1' },
              ],
            },
          },
        },
      },
    });
    const patched = await apps.patchNamespacedDeployment(
      {
        name: 'smp',
        namespace: 'default',
        body: {
          metadata: { finalizers: ['devo.com/b'] },
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'main', image: 'c:2', env: [{ name: 'B', value: '2' }] },
                  { name: 'sidecar', $patch: 'delete' },
                ],
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    assert.deepEqual(
      containers.map((c) => [c.name, c.image, c.env?.map((e) => e.name)]),
      [['main', 'c:2', ['A', 'B']]],
    );
    assert.deepEqual(patched.metadata?.finalizers, ['devo.com/a', 'devo.com/b']);
  });

  it('custom resources reject strategic merge (415) — KubernetesObjectApi.patch defaults to it', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: 'default',
      plural: 'collectors',
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Collector',
        metadata: { name: 'c' },
        spec: { image: 'i', tenant: 't' },
      },
    });
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const patch: KubernetesObject & { spec: unknown } = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Collector',
      metadata: { name: 'c', namespace: 'default' },
      spec: { image: 'i2' },
    };
    const rejected = await expectStatus(objects.patch(patch));
    assert.equal(rejected.code, 415);
    assert.equal(rejected.reason, 'UnsupportedMediaType');

    const merged = (await objects.patch(
      patch,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    )) as {
      spec: { image: string; tenant: string };
    };
    assert.deepEqual([merged.spec.image, merged.spec.tenant], ['i2', 't']);
  });
});

const SSA = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** Whether a managedFields entry's FieldsV1 tree contains the given path elements. */
function owns(entry: { fieldsV1?: object } | undefined, ...path: string[]): boolean {
  let node: unknown = entry?.fieldsV1;
  for (const element of path) {
    if (typeof node !== 'object' || node === null || !(element in node)) return false;
    node = (node as Record<string, unknown>)[element];
  }
  return true;
}

describe('server-side apply', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  const applyCm = (
    manager: string,
    data: Record<string, string>,
    force?: boolean,
    labels?: Record<string, string>,
  ) =>
    core.patchNamespacedConfigMap(
      {
        name: 'ssa',
        namespace: 'default',
        fieldManager: manager,
        force,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', labels }, data },
      },
      SSA,
    );

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    await installCrd(kc, collectorCrd());
  });
  after(() => server.close());

  it('creates on first apply and records an Apply entry for the manager', async () => {
    const created = await applyCm('operator', { a: '1', b: '2' }, true, { app: 'x' });
    assert.equal(server.requests().at(-1)?.status, 201);
    const entry = created.metadata?.managedFields?.find((m) => m.manager === 'operator');
    assert.equal(entry?.operation, 'Apply');
    assert.deepEqual(entry?.fieldsV1, {
      'f:data': { 'f:a': {}, 'f:b': {} },
      'f:metadata': { 'f:labels': { 'f:app': {} } },
    });

    const again = await applyCm('operator', { a: '1', b: '2' }, true, { app: 'x' });
    assert.equal(
      again.metadata?.resourceVersion,
      created.metadata?.resourceVersion,
      'identical apply is a no-op',
    );
  });

  it('removes fields the manager stops applying', async () => {
    const applied = await applyCm('operator', { a: '1' }, true, { app: 'x' });
    assert.deepEqual(applied.data, { a: '1' });
  });

  it('409s on a conflicting value from another manager unless forced', async () => {
    const conflict = await expectStatus(applyCm('kubectl', { a: 'other' }));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.reason, 'Conflict');
    assert.match(
      conflict.message,
      /^Apply failed with 1 conflict: conflict with "operator" using v1: \.data\.a$/,
    );
    assert.deepEqual(conflict.details?.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "operator" using v1', field: '.data.a' },
    ]);

    // Same value → shared ownership, no conflict.
    const shared = await applyCm('kubectl', { a: '1' });
    const owners = shared.metadata?.managedFields?.filter((m) => owns(m, 'f:data', 'f:a'));
    assert.deepEqual(owners?.map((m) => m.manager).sort(), ['kubectl', 'operator']);

    const forced = await applyCm('kubectl', { a: 'forced' }, true);
    assert.equal(forced.data?.a, 'forced');
    const operatorEntry = forced.metadata?.managedFields?.find((m) => m.manager === 'operator');
    assert.ok(!owns(operatorEntry, 'f:data', 'f:a'), 'force takes ownership away');
    assert.ok(owns(operatorEntry, 'f:metadata', 'f:labels', 'f:app'));
  });

  it('an Update-operation writer takes ownership, so the next apply conflicts with it', async () => {
    await core.patchNamespacedConfigMap(
      {
        name: 'ssa',
        namespace: 'default',
        fieldManager: 'kubectl-edit',
        body: { metadata: { labels: { app: 'edited' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const conflict = await expectStatus(applyCm('operator', { a: 'forced' }, false, { app: 'x' }));
    assert.equal(conflict.code, 409);
    assert.match(conflict.message, /conflict with "kubectl-edit" using v1: \.metadata\.labels\.app/);
    const healed = await applyCm('operator', { a: 'forced' }, true, { app: 'x' });
    assert.equal(healed.metadata?.labels?.app, 'x');
  });

  it('requires fieldManager for apply (400)', async () => {
    const missing = await expectStatus(
      core.patchNamespacedConfigMap(
        {
          name: 'ssa',
          namespace: 'default',
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' } },
        },
        SSA,
      ),
    );
    assert.equal(missing.code, 400);
  });

  it('KubernetesObjectApi.patch with ServerSideApply creates and updates children', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const desired: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'child', namespace: 'default' },
      data: { rendered: 'v1' },
    };
    const created = await objects.patch(
      desired,
      undefined,
      undefined,
      'collector-operator',
      true,
      PatchStrategy.ServerSideApply,
    );
    assert.equal(created.metadata?.name, 'child');
    const updated = (await objects.patch(
      { ...desired, data: { rendered: 'v2' } },
      undefined,
      undefined,
      'collector-operator',
      true,
      PatchStrategy.ServerSideApply,
    )) as V1ConfigMap;
    assert.equal(updated.data?.rendered, 'v2');
    const sent = server.requests().at(-1);
    assert.equal(sent?.query.fieldManager, 'collector-operator');
    assert.equal(sent?.query.force, 'true');
  });

  it('merges associative lists (containers by name) between managers', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const base = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ssa-deploy' },
      spec: {
        selector: { matchLabels: { app: 'd' } },
        template: {
          metadata: { labels: { app: 'd' } },
          spec: { containers: [{ name: 'main', image: 'c:1' }] },
        },
      },
    };
    await apps.patchNamespacedDeployment(
      { name: 'ssa-deploy', namespace: 'default', fieldManager: 'operator', body: base },
      SSA,
    );
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ssa-deploy' },
      spec: { template: { spec: { containers: [{ name: 'proxy', image: 'p:1' }] } } },
    };
    const merged = await apps.patchNamespacedDeployment(
      { name: 'ssa-deploy', namespace: 'default', fieldManager: 'injector', body: sidecar },
      SSA,
    );
    assert.deepEqual(
      merged.spec?.template.spec?.containers.map((c) => c.name),
      ['main', 'proxy'],
    );
    // The operator re-applying its own config does not remove the injector's container.
    const reapplied = await apps.patchNamespacedDeployment(
      { name: 'ssa-deploy', namespace: 'default', fieldManager: 'operator', body: base },
      SSA,
    );
    assert.equal(reapplied.spec?.template.spec?.containers.length, 2);
  });

  it('applies custom resource status through /status with keyed conditions', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: GROUP, version: VERSION, namespace: 'default', plural: 'collectors', name: 'col' };
    const body = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'Collector',
      metadata: { name: 'col' },
      spec: { image: 'i', tenant: 't' },
    };
    await custom.patchNamespacedCustomObject({ ...ref, body, fieldManager: 'operator', force: true }, SSA);
    const statusApply = (cond: { type: string; status: string }, manager: string) =>
      custom.patchNamespacedCustomObjectStatus(
        {
          ...ref,
          fieldManager: manager,
          force: true,
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'Collector',
            metadata: { name: 'col' },
            status: { conditions: [cond] },
          },
        },
        SSA,
      );
    await statusApply({ type: 'Ready', status: 'True' }, 'operator-status');
    const both = (await statusApply({ type: 'ConfigValid', status: 'True' }, 'validator')) as {
      status: { conditions: { type: string }[] };
      metadata: { managedFields: { manager: string; subresource?: string }[] };
    };
    assert.deepEqual(
      both.status.conditions.map((c) => c.type),
      ['Ready', 'ConfigValid'],
    );
    assert.equal(both.metadata.managedFields.find((m) => m.manager === 'validator')?.subresource, 'status');
  });
});
