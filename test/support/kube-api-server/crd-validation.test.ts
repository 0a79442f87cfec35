import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { startKubeApiTestServer, type KubeApiTestServer } from './server.ts';
import { collectorCrd, expectStatus, GROUP, installCrd, serviceCrd, VERSION } from './test-fixtures.ts';

interface Collector {
  metadata: { name: string; resourceVersion?: string };
  spec: Record<string, unknown>;
}

describe('CRDs: discovery, schema validation, defaulting, pruning, CEL', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  const ref = { group: GROUP, version: VERSION, namespace: 'default', plural: 'collectors' };
  const collector = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Collector',
    metadata: { name },
    spec,
  });

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    await installCrd(kc, collectorCrd());
    await installCrd(kc, serviceCrd());
  });
  after(() => server.close());

  it('serves the new group in discovery and marks the CRD Established', async () => {
    const resources = await custom.getAPIResources({ group: GROUP, version: VERSION });
    assert.deepEqual(resources.resources.map((r) => r.name).sort(), [
      'collectors',
      'collectors/status',
      'services',
    ]);
    const groups = (await (
      await fetch(`${server.url}/apis`, { headers: { authorization: `Bearer ${server.token}` } })
    ).json()) as { groups: { name: string }[] };
    assert.ok(groups.groups.some((g) => g.name === GROUP));
    const crd = await kc
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: `collectors.${GROUP}` });
    assert.equal(crd.status?.conditions?.find((c) => c.type === 'Established')?.status, 'True');
    assert.deepEqual(crd.status?.storedVersions, [VERSION]);
  });

  it('a wire-format CRD sent without loadYaml() loses default/enum/x-kubernetes-* (client-node pitfall)', async () => {
    const raw = collectorCrd() as { metadata: { name: string }; spec: { group: string } };
    raw.metadata.name = 'collectors.raw.devo.com';
    raw.spec.group = 'raw.devo.com';
    const stored = await kc
      .makeApiClient(ApiextensionsV1Api)
      .createCustomResourceDefinition({ body: raw as unknown as V1CustomResourceDefinition });
    const spec = stored.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec;
    assert.equal(spec?.properties?.replicas?._default, undefined);
    assert.equal(spec?.x_kubernetes_validations, undefined);
  });

  it('applies defaults and prunes unknown fields (preserve-unknown-fields subtrees are kept)', async () => {
    const created = (await custom.createNamespacedCustomObject({
      ...ref,
      body: collector('defaults', {
        image: 'c:1',
        tenant: 'acme',
        bogus: true,
        config: { any: { nested: 1 } },
      }),
    })) as Collector;
    assert.deepEqual(created.spec, {
      image: 'c:1',
      tenant: 'acme',
      replicas: 1,
      mode: 'pull',
      stateStore: { type: 'none' },
      config: { any: { nested: 1 } },
    });
    const strict = await expectStatus(
      custom.createNamespacedCustomObject({
        ...ref,
        fieldValidation: 'Strict',
        body: collector('strict', { image: 'c:1', tenant: 'acme', bogus: true }),
      }),
    );
    assert.equal(strict.code, 400);
    assert.equal(strict.message, 'strict decoding error: unknown field "spec.bogus"');
  });

  it('rejects schema violations with 422 Invalid and per-field causes', async () => {
    const status = await expectStatus(
      custom.createNamespacedCustomObject({
        ...ref,
        body: collector('bad', {
          image: '',
          tenant: 'Not_Valid',
          replicas: 5,
          mode: 'stream',
          serviceRefs: ['a', 'a'],
        }),
      }),
    );
    assert.equal(status.code, 422);
    assert.equal(status.reason, 'Invalid');
    assert.equal(status.details?.kind, 'Collector');
    assert.equal(status.details?.group, GROUP);
    assert.match(status.message, /^Collector\.collectors\.devo\.com "bad" is invalid: \[/);
    const byField = new Map(status.details?.causes?.map((c) => [c.field, c]));
    assert.equal(
      byField.get('spec.replicas')?.message,
      'Invalid value: 5: spec.replicas in body should be less than or equal to 3',
    );
    assert.equal(byField.get('spec.mode')?.reason, 'FieldValueNotSupported');
    assert.equal(
      byField.get('spec.mode')?.message,
      'Unsupported value: "stream": supported values: "pull", "push"',
    );
    assert.match(byField.get('spec.tenant')?.message ?? '', /should match '\^\[a-z0-9-\]\+\$'/);
    assert.match(byField.get('spec.image')?.message ?? '', /at least 1 chars long/);
    assert.equal(byField.get('spec.serviceRefs[1]')?.reason, 'FieldValueDuplicate');

    const missing = await expectStatus(
      custom.createNamespacedCustomObject({ ...ref, body: collector('missing', { image: 'x' }) }),
    );
    assert.deepEqual(missing.details?.causes, [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.tenant' },
    ]);

    const wrongType = await expectStatus(
      custom.createNamespacedCustomObject({
        ...ref,
        body: collector('type', { image: 'x', tenant: 't', replicas: 'two' }),
      }),
    );
    assert.equal(wrongType.details?.causes?.[0]?.reason, 'FieldValueTypeInvalid');
    assert.equal(
      wrongType.details?.causes?.[0]?.message,
      'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    );
  });

  it('evaluates CEL rules, including transition rules against oldSelf', async () => {
    const cel = await expectStatus(
      custom.createNamespacedCustomObject({
        ...ref,
        body: collector('cel', { image: 'x', tenant: 't', replicas: 2, stateStore: { type: 'pvc' } }),
      }),
    );
    assert.equal(cel.code, 422);
    assert.deepEqual(cel.details?.causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "object": a PVC state store needs replicas <= 1',
        field: 'spec',
      },
    ]);

    const current = (await custom.getNamespacedCustomObject({ ...ref, name: 'defaults' })) as Collector;
    const immutable = await expectStatus(
      custom.replaceNamespacedCustomObject({
        ...ref,
        name: 'defaults',
        body: { ...current, spec: { ...current.spec, tenant: 'other' } },
      }),
    );
    assert.equal(immutable.code, 422);
    assert.equal(immutable.details?.causes?.[0]?.field, 'spec.tenant');
    assert.match(immutable.details?.causes?.[0]?.message ?? '', /tenant is immutable/);
  });

  it('reports rules the CEL library cannot evaluate instead of guessing', async () => {
    const crd = serviceCrd() as {
      metadata: { name: string };
      spec: {
        names: Record<string, string>;
        versions: { schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } } }[];
      };
    };
    crd.metadata.name = `pipelines.${GROUP}`;
    crd.spec.names = { plural: 'pipelines', kind: 'Pipeline' };
    crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = [
      { rule: "quantity(self.collectorRef).isGreaterThan(quantity('1Gi'))" },
    ];
    await installCrd(kc, crd);
    const unenforced = server.unenforcedValidations();
    assert.equal(unenforced.length, 1);
    assert.equal(unenforced[0]?.crd, `pipelines.${GROUP}`);
    assert.equal(unenforced[0]?.path, 'spec');
  });

  it('needs apiVersion/kind in custom resource bodies, and deleting the CRD removes its objects', async () => {
    const noKind = await expectStatus(
      custom.createNamespacedCustomObject({ ...ref, body: { metadata: { name: 'nokind' }, spec: {} } }),
    );
    assert.equal(noKind.code, 400);

    assert.equal(server.listObjects(`${GROUP}/${VERSION}`, 'Collector').length, 1);
    await kc
      .makeApiClient(ApiextensionsV1Api)
      .deleteCustomResourceDefinition({ name: `collectors.${GROUP}` });
    const gone = await expectStatus(custom.listNamespacedCustomObject(ref));
    assert.equal(gone.code, 404);
    await installCrd(kc, collectorCrd());
    const relisted = (await custom.listNamespacedCustomObject(ref)) as { items: unknown[] };
    assert.equal(relisted.items.length, 0, 'instances went away with the CRD');
  });
});
