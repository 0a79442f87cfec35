// Two `devo-collector-operator run --leader-elect` processes against a real API server: one holds the
// Lease and reconciles, the other waits; SIGKILL the leader (no release) and the other takes over once the
// Lease expires, then reconciles a Collector created after the kill.
import assert from 'node:assert/strict';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { after, before, describe, test } from 'node:test';
import { LEASE_NAME } from '../../operator/src/cli/run-command.ts';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import {
  aCollector,
  Api,
  aService,
  installCrds,
  namespaceWithSecrets,
  spawnOperator,
  waitFor,
  type OperatorProcess,
} from './support.ts';

const NS = 'leader';
// operator/src/controller/leader-election.ts defaults: 15 s lease, retry every 2 s.
const LEASE_MS = 15_000;
const RETRY_MS = 2_000;

describe('leader election between two operator processes', { timeout: 300_000 }, () => {
  let cluster: RealCluster;
  let api: Api;
  let coordination: CoordinationV1Api;
  const operators: OperatorProcess[] = [];

  before(
    async () => {
      cluster = await startRealCluster();
      api = new Api(cluster.admin.kc);
      coordination = cluster.admin.kc.makeApiClient(CoordinationV1Api);
      await installCrds(cluster);
      await namespaceWithSecrets(cluster, NS);
    },
    { timeout: 1_200_000 },
  );
  after(async () => {
    for (const o of operators) await o.stop();
    await cluster?.stop();
  });

  const holder = async () =>
    (await coordination.readNamespacedLease({ name: LEASE_NAME, namespace: NS }).catch(() => undefined))?.spec
      ?.holderIdentity;
  const identityOf = (o: OperatorProcess) =>
    o.logs.find((l) => l.msg === 'Started operator HTTP server')?.identity;

  test('one leads and reconciles; SIGKILL of the leader hands over within the lease time', async (t) => {
    const args = ['--leader-elect', '--leader-election-namespace', NS, '--namespaces', NS];
    const first = spawnOperator(cluster.admin.file, args);
    operators.push(first);
    const firstId = await waitFor('the first identity', () => identityOf(first), 30_000);
    await waitFor(
      'the first operator holds the Lease',
      async () => (await holder()) === firstId,
      30_000,
      200,
    );
    const second = spawnOperator(cluster.admin.file, args);
    operators.push(second);
    const secondId = await waitFor('the second identity', () => identityOf(second), 30_000);

    await api.create(aCollector(NS, 'led'));
    await api.create(aService(NS, 'led-signins', 'led', 'signIns'));
    await api.waitForCondition(NS, 'led', 'ConfigValid', 'True');
    assert.equal(await holder(), firstId, 'the second process waits');

    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    await waitFor(
      'the second operator holds the Lease',
      async () => (await holder()) === secondId,
      LEASE_MS + 4 * RETRY_MS,
      100,
    );
    const handover = Date.now() - killedAt;
    t.diagnostic(`hand-over ${handover} ms after SIGKILL (lease ${LEASE_MS} ms, retry ${RETRY_MS} ms)`);
    // Expiry of the last renewal, plus at most one retry period; the slack is for a loaded machine.
    assert.ok(handover <= LEASE_MS + 2 * RETRY_MS, `hand-over took ${handover} ms`);

    await api.create(aCollector(NS, 'after'));
    await api.create(aService(NS, 'after-signins', 'after', 'signIns'));
    await api.waitForCondition(NS, 'after', 'ConfigValid', 'True');
  });
});
