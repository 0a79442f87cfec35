// The runtime's ConfigMap state backend (its own small API client) against the Kubernetes API test server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startKubeApiTestServer, type KubeApiTestServer } from '../../support/kube-api-server/server.ts';
import { configMapStore } from '../../../collector-runtime/src/state/configmap-store.ts';
import { kubeApiFromKubeconfig } from '../../../collector-runtime/src/core/kube-api.ts';
import { createLogger } from '../../../collector-runtime/src/logging/logger.ts';

let server: KubeApiTestServer;
before(async () => (server = await startKubeApiTestServer()));
after(() => server.close());

const log = createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const store = (name: string) =>
  configMapStore({
    name,
    namespace: 'default',
    log,
    env: {},
    api: kubeApiFromKubeconfig(server.kubeconfig()),
  });

test('get, set and delete keys of the collector state ConfigMap (created on first write)', async () => {
  const s = store('c1-state');
  assert.equal(await s.get('a'), undefined);
  await s.set('a', '{"x":1}');
  await s.set('b', '{"y":2}');
  assert.equal(await s.get('a'), '{"x":1}');
  const cm = server.getObject('v1', 'ConfigMap', 'c1-state', 'default') as { data: Record<string, string> };
  assert.deepEqual(cm.data, { a: '{"x":1}', b: '{"y":2}' });
  await s.delete('a');
  assert.equal(await s.get('a'), undefined);
  assert.equal(await s.get('b'), '{"y":2}');
});

test('concurrent writers never overwrite each other: resourceVersion conflicts are retried', async () => {
  const writers = Array.from({ length: 6 }, () => store('c2-state'));
  await Promise.all(writers.map((w, i) => w.set(`service-${i}`, `{"n":${i}}`)));
  const cm = server.getObject('v1', 'ConfigMap', 'c2-state', 'default') as { data: Record<string, string> };
  assert.deepEqual(Object.keys(cm.data).sort(), writers.map((_, i) => `service-${i}`).sort());
  // A writer with a stale copy still lands its change after re-reading.
  await writers[0]!.set('service-5', '{"n":50}');
  assert.equal(await store('c2-state').get('service-5'), '{"n":50}');
});

test('RBAC denial gives an error that says which permission is missing', async () => {
  server.injectFault({ method: 'GET', path: /configmaps\/c3-state/, status: 403, times: 1 });
  const err = (await store('c3-state')
    .get('x')
    .catch((e: unknown) => e)) as Error & { code: string };
  assert.equal(err.code, 'CR_ERR_STATE_IO');
  assert.match(
    err.message,
    /forbidden by RBAC.*get, update and patch on configmaps named "c3-state" in namespace "default"/,
  );
});

test('a state that would exceed the 1 MiB ConfigMap limit is refused with advice', async () => {
  const s = store('c4-state');
  await s.set('small', '{}');
  const err = (await s.set('huge', 'x'.repeat(1024 * 1024)).catch((e: unknown) => e)) as Error;
  assert.match(err.message, /over the 1 MiB ConfigMap limit: use PersistentVolumeClaim persistence/);
  assert.equal(await s.get('small'), '{}', 'the existing state is untouched');
});
