import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createKubeClients } from '../../../operator/src/k8s/client.ts';
import { startKubeApiTestServer, type KubeApiTestServer } from '../../support/kube-api-server/server.ts';

let server: KubeApiTestServer;
before(async () => {
  server = await startKubeApiTestServer();
});
after(async () => server.close());

test('40 API calls through the operator clients reuse a connection instead of opening one each', async () => {
  const { rest, coordination } = createKubeClients(server.makeKubeConfig());
  const before = server.connectionsAccepted();
  for (let i = 0; i < 20; i++) await rest.get('/api/v1/namespaces/default');
  for (let i = 0; i < 20; i++) await coordination.listNamespacedLease({ namespace: 'default' });
  assert.ok(server.connectionsAccepted() - before <= 2, `opened ${server.connectionsAccepted() - before}`);
});
