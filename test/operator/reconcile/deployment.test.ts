import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredState } from '../../../operator/src/reconcile/desired-state.ts';
import { configOf, find, podSpec } from './desired-state-queries.ts';
import { aCollector, aSecret, anInput, credentials } from './reconcile-fixture.ts';

test('the Deployment is single-replica, hardened, probed and mounts the documented layout', () => {
  const d = desiredState(anInput());
  const deploy = find(d, 'Deployment');
  assert.equal(deploy.spec.replicas, 1);
  assert.deepEqual(deploy.spec.strategy, { type: 'Recreate' });
  const labels = deploy.spec.template.metadata.labels;
  for (const [k, v] of Object.entries(deploy.spec.selector.matchLabels)) assert.equal(labels[k], v);
  assert.equal(deploy.spec.template.metadata.annotations['collectors.devo.com/config-hash'], d.configHash);
  assert.match(d.configHash, /^[0-9a-f]{64}$/);

  const pod = deploy.spec.template.spec;
  assert.equal(pod.serviceAccountName, 'graph-audit');
  assert.deepEqual(pod.securityContext, {
    runAsNonRoot: true,
    runAsUser: 10001,
    runAsGroup: 10001,
    fsGroup: 10001,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const [c] = pod.containers;
  assert.equal(c.image, 'registry.example/devo-collector:1.2.3');
  assert.deepEqual(c.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  });
  assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
  assert.deepEqual(c.livenessProbe.httpGet, { path: '/healthz', port: 'metrics' });
  assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'metrics' });
  const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom.fieldRef.fieldPath]));
  assert.deepEqual(env, {
    CONFIG_FILE: 'config.yaml',
    DEVO_COLLECTOR_HOME: '/devo-collector',
    POD_NAME: 'metadata.name',
    POD_NAMESPACE: 'metadata.namespace',
  });
  const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
  assert.deepEqual(mounts, {
    '/devo-collector/config': 'config',
    '/devo-collector/certs': 'certs',
    '/devo-collector/credentials': 'credentials',
    '/tmp': 'tmp',
  });
  const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
  assert.deepEqual(volumes.config.configMap, { name: 'graph-audit-config' });
  assert.deepEqual(volumes.tmp.emptyDir, {});
  assert.equal(volumes.credentials.secret.secretName, 'graph-credentials');
  assert.equal(volumes.certs.secret.secretName, 'devo-certificate');
  assert.deepEqual(volumes.certs.secret.items, [
    { key: 'ca.crt', path: 'chain.crt' },
    { key: 'tls.crt', path: 'cert.crt' },
    { key: 'tls.key', path: 'key.key' },
  ]);
  const svc = find(d, 'Service');
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.deepEqual(svc.spec.ports, [{ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' }]);
  assert.deepEqual(svc.spec.selector, deploy.spec.selector.matchLabels);
});

test('image, resources and scheduling come from the Collector spec', () => {
  const collector = aCollector({
    image: 'mirror.example/collector:9',
    imagePullPolicy: 'Always',
    imagePullSecrets: [{ name: 'mirror' }],
    resources: { limits: { memory: '512Mi' } },
    nodeSelector: { pool: 'collectors' },
    tolerations: [{ key: 'dedicated', operator: 'Exists' }],
    priorityClassName: 'high',
  });
  const pod = podSpec(desiredState(anInput({ collector })));
  assert.equal(pod.containers[0].image, 'mirror.example/collector:9');
  assert.equal(pod.containers[0].imagePullPolicy, 'Always');
  assert.deepEqual(pod.containers[0].resources, { limits: { memory: '512Mi' } });
  assert.deepEqual(pod.imagePullSecrets, [{ name: 'mirror' }]);
  assert.deepEqual(pod.nodeSelector, { pool: 'collectors' });
  assert.deepEqual(pod.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
  assert.equal(pod.priorityClassName, 'high');
});

test('PVC persistence: a sized claim mounted at state/, a filesystem store, a Role for status only', () => {
  const collector = aCollector({
    persistence: { type: 'PersistentVolumeClaim', size: '2Gi', storageClassName: 'fast' },
  });
  const d = desiredState(anInput({ collector }));
  const pvc = find(d, 'PersistentVolumeClaim', 'graph-audit-state');
  assert.deepEqual(pvc.spec, {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: '2Gi' } },
    storageClassName: 'fast',
  });
  const role = find(d, 'Role', 'graph-audit-runtime') as {
    rules: { resources: string[]; resourceNames: string[] }[];
  };
  assert.deepEqual(
    role.rules.map((r) => [r.resources, r.resourceNames]),
    [[['collectors/status'], ['graph-audit']]],
    'no state ConfigMap access when the state is on a volume',
  );
  assert.deepEqual(configOf(d).globals.persistence, {
    type: 'filesystem',
    config: { directory_name: '/devo-collector/state' },
  });
  const pod = podSpec(d);
  assert.equal(pod.automountServiceAccountToken, true);
  assert.ok(
    pod.volumes.some(
      (v: any) => v.name === 'state' && v.persistentVolumeClaim.claimName === 'graph-audit-state',
    ),
  );
  assert.ok(
    pod.containers[0].volumeMounts.some(
      (m: any) => m.name === 'state' && m.mountPath === '/devo-collector/state',
    ),
  );
});

test('a certificate Secret with chain.crt/cert.crt/key.key is mounted under its own key names', () => {
  const opaque = aSecret('devo-certificate', { 'chain.crt': 'C', 'cert.crt': 'X', 'key.key': 'K' }, 'Opaque');
  const d = desiredState(
    anInput({ secrets: { 'graph-credentials': credentials(), 'devo-certificate': opaque } }),
  );
  const certs = podSpec(d).volumes.find((v: any) => v.name === 'certs');
  assert.deepEqual(certs.secret.items, [
    { key: 'chain.crt', path: 'chain.crt' },
    { key: 'cert.crt', path: 'cert.crt' },
    { key: 'key.key', path: 'key.key' },
  ]);
});
