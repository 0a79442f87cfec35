import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputRegistry } from '../../../collector-runtime/src/inputs/registry.ts';
import { collectorCrd } from '../../../operator/src/api/collector-crd.ts';
import { serviceCrd } from '../../../operator/src/api/service-crd.ts';
import type {
  CollectorSpec,
  CollectorStatus,
  ServiceSpec,
  ServiceStatus,
} from '../../../operator/src/api/types.ts';
import type { JsonObject } from '../../support/kube-api-server/json-value.ts';
import { unenforcedRules } from '../../support/kube-api-server/schema-validation.ts';
import { admit, schemaOf } from './crd-admission.ts';

const props = (schema: JsonObject, ...path: string[]): string[] => {
  let node = schema;
  for (const key of path) node = (node.properties as Record<string, JsonObject>)[key]!;
  return Object.keys(node.properties as object).sort();
};
const keys = (o: object) => Object.keys(o).sort();

// Complete values of the TypeScript types: the compiler makes sure no field is left out.
const collectorSpec: Required<CollectorSpec> = {
  source: 'x',
  inputId: 'x',
  enabled: true,
  debug: false,
  environment: 'x',
  requestsPerSecond: 1,
  credentialsSecretRef: { name: 'x' },
  settings: {},
  output: { address: 'x', certificateSecretRef: { name: 'x' } },
  persistence: { type: 'ConfigMap' },
  image: 'x',
  imagePullPolicy: 'Always',
  imagePullSecrets: [],
  resources: {},
  nodeSelector: {},
  tolerations: [],
  affinity: {},
  priorityClassName: 'x',
};
const output: Required<CollectorSpec['output']> = {
  address: 'x',
  port: 1,
  certificateSecretRef: { name: 'x' },
  verifyHostname: true,
};
const persistence: Required<NonNullable<CollectorSpec['persistence']>> = {
  type: 'ConfigMap',
  size: '1Gi',
  storageClassName: 'x',
};
const collectorStatus: Required<CollectorStatus> = {
  observedGeneration: 1,
  conditions: [],
  services: 1,
  readyServices: 1,
  lastPullTime: 'x',
  configHash: 'x',
  resets: {},
  persistence: { type: 'ConfigMap' },
};
const serviceSpec: Required<ServiceSpec> = {
  collectorRef: { name: 'x' },
  service: 'x',
  enabled: true,
  requestPeriodSeconds: 1,
  startTimeInUtc: 'x',
  resetPersistenceAuth: 'x',
  overrideTag: 'x',
  additionalFilter: 'x',
  overrideQueryWindowMaxSeconds: 1,
  settings: {},
};
const serviceStatus: Required<ServiceStatus> = { observedGeneration: 1, conditions: [], lastResetTime: 'x' };

test('the TypeScript types and the CRD schemas name the same fields', () => {
  const c = schemaOf('Collector');
  assert.deepEqual(props(c, 'spec'), keys(collectorSpec));
  assert.deepEqual(props(c, 'spec', 'output'), keys(output));
  assert.deepEqual(props(c, 'spec', 'persistence'), keys(persistence));
  assert.deepEqual(props(c, 'status'), keys(collectorStatus));
  const s = schemaOf('Service');
  assert.deepEqual(props(s, 'spec'), keys(serviceSpec));
  assert.deepEqual(props(s, 'status'), keys(serviceStatus));
});

test('source and service enums come from the runtime registry', () => {
  const spec = (kind: string) => (schemaOf(kind).properties as any).spec.properties;
  assert.deepEqual(spec('Collector').source.enum, [...inputRegistry.keys()]);
  const all = [...new Set([...inputRegistry.values()].flatMap((d) => Object.keys(d.services)))];
  assert.deepEqual(spec('Service').service.enum, all);
  assert.ok(all.includes('signIns') && all.includes('maillog'), 'every source contributes its services');
});

test('both kinds: one served version, status subresource, category devo, no conversion webhook', () => {
  for (const crd of [collectorCrd(), serviceCrd()]) {
    assert.equal(crd.spec.versions.length, 1);
    const [v] = crd.spec.versions;
    assert.equal(v!.served && v!.storage, true);
    assert.deepEqual(v!.subresources, { status: {} });
    assert.deepEqual(crd.spec.names.categories, ['devo']);
    assert.ok(crd.spec.names.shortNames.length > 0, `${crd.spec.names.kind} has a short name`);
    assert.deepEqual(crd.spec.conversion, { strategy: 'None' });
  }
  // `kubectl get services` is the core kind: the README documents these ways to reach ours.
  assert.deepEqual(serviceCrd().spec.names.shortNames, ['dsvc', 'devoservice']);
  assert.deepEqual(collectorCrd().spec.names.shortNames, ['dcol', 'devocollector']);
  assert.deepEqual(
    collectorCrd().spec.versions[0]!.additionalPrinterColumns.map((c) => c.name),
    ['Source', 'Ready', 'Services', 'Last Pull', 'Age'],
  );
  assert.deepEqual(
    serviceCrd().spec.versions[0]!.additionalPrinterColumns.map((c) => c.name),
    ['Collector', 'Service', 'Enabled', 'Valid', 'Age'],
  );
});

test('no anyOf in either schema: quantities are x-kubernetes-int-or-string, which kubectl explain can model', () => {
  const anyOfPaths = (node: unknown, path: string): string[] =>
    typeof node !== 'object' || node === null
      ? []
      : Object.entries(node).flatMap(([k, v]) =>
          k === 'anyOf' || k === 'oneOf' ? [path] : anyOfPaths(v, `${path}/${k}`),
        );
  assert.deepEqual([...anyOfPaths(schemaOf('Collector'), ''), ...anyOfPaths(schemaOf('Service'), '')], []);
  const spec = schemaOf('Collector').properties as Record<string, JsonObject>;
  const limits = (spec.spec!.properties as any).resources.properties.limits.additionalProperties;
  assert.equal(limits['x-kubernetes-int-or-string'], true);
  const { problems } = admit(collector({ resources: { limits: { cpu: 2, memory: '512Mi' } } }));
  assert.deepEqual(problems, []);
  assert.ok(admit(collector({ resources: { limits: { memory: '512 MB' } } })).problems.length > 0);
});

test('every CEL rule is one the test API server evaluates, so the cases below really run them', () => {
  assert.deepEqual(unenforcedRules(schemaOf('Collector')), []);
  assert.deepEqual(unenforcedRules(schemaOf('Service')), []);
});

const collector = (spec: Record<string, unknown> = {}, name = 'graph-audit') => ({
  apiVersion: 'collectors.devo.com/v1alpha1',
  kind: 'Collector',
  metadata: { name, namespace: 'sec' },
  spec: {
    source: 'microsoft_graph_audit',
    credentialsSecretRef: { name: 'creds' },
    output: { address: 'collector-us.devo.io', certificateSecretRef: { name: 'certs' } },
    ...spec,
  },
});
const service = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'collectors.devo.com/v1alpha1',
  kind: 'Service',
  metadata: { name: 'sign-ins', namespace: 'sec' },
  spec: { collectorRef: { name: 'graph-audit' }, service: 'signIns', ...spec },
});

test('a minimal Collector is admitted with its defaults', () => {
  const { object, problems } = admit(collector());
  assert.deepEqual(problems, []);
  const spec = object.spec as any;
  // No default here: the operator picks the source's (status.persistence).
  assert.equal(spec.persistence, undefined);
  assert.equal(spec.enabled, true);
  assert.equal(spec.debug, false);
  assert.equal(spec.output.port, 443);
  assert.equal(spec.output.verifyHostname, true);
  assert.deepEqual((admit(service()).object.spec as any).enabled, true);
});

const rejected: { name: string; object: unknown; old?: unknown; expect: RegExp }[] = [
  {
    name: 'an unknown source',
    object: collector({ source: 'microsoft_graph' }),
    expect: /spec\.source: Unsupported value/,
  },
  {
    name: 'a persistence type change',
    old: collector({ persistence: { type: 'ConfigMap' } }),
    object: collector({ persistence: { type: 'PersistentVolumeClaim' } }),
    expect: /spec\.persistence\.type: .*persistence\.type is immutable/,
  },
  {
    name: 'a source change',
    old: collector(),
    object: collector({ source: 'microsoft_graph_security' }),
    expect: /spec\.source: .*source is immutable/,
  },
  {
    name: 'a PVC size on ConfigMap persistence',
    object: collector({ persistence: { type: 'ConfigMap', size: '1Gi' } }),
    expect: /size and storageClassName apply only to persistence\.type PersistentVolumeClaim/,
  },
  {
    name: 'an input setting that has a field of its own',
    object: collector({ settings: { requests_per_second: 5 } }),
    expect: /spec\.settings: .*settings must not set id, enabled/,
  },
  {
    name: 'a name that cannot name a Service',
    object: collector({}, '1-graph'),
    expect: /must be a DNS label/,
  },
  {
    name: 'a typo in a field name',
    object: collector({ sources: 'x' }),
    expect: /spec\.sources: unknown field/,
  },
  {
    name: 'a missing certificate Secret',
    object: collector({ output: { address: 'a' } }),
    expect: /spec\.output\.certificateSecretRef: Required value/,
  },
  {
    name: 'an unknown service',
    object: service({ service: 'signIn' }),
    expect: /spec\.service: Unsupported value/,
  },
  {
    name: 'a start time without a zone',
    object: service({ startTimeInUtc: '2024-01-01T00:00:00' }),
    expect: /spec\.startTimeInUtc/,
  },
  {
    name: 'a request period under the minimum',
    // The floor over every service (message trace allows 1 s); each service's own minimum is the runtime's check.
    object: service({ requestPeriodSeconds: 0 }),
    expect: /greater than or equal to 1/,
  },
  { name: 'a bad Devo tag', object: service({ overrideTag: 'Bad Tag' }), expect: /spec\.overrideTag/ },
  {
    name: 'a service setting that has a field of its own',
    object: service({ settings: { start_time_in_utc: '2024-01-01T00:00:00Z' } }),
    expect: /settings must not set enabled, request_period_in_seconds/,
  },
  {
    name: 'moving a Service to another Collector',
    old: service(),
    object: service({ collectorRef: { name: 'graph-other' } }),
    expect: /collectorRef\.name is immutable/,
  },
];

for (const c of rejected) {
  test(`the API server rejects ${c.name}`, () => {
    const { problems } = admit(c.object, c.old);
    assert.ok(
      problems.some((p) => c.expect.test(p)),
      `expected a problem matching ${c.expect}, got:\n${problems.join('\n')}`,
    );
  });
}
