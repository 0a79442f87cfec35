import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { LeaderElector } from '../../../operator/src/controller/leader-election.ts';
import { startKubeApiTestServer, type KubeApiTestServer } from '../../support/kube-api-server/server.ts';
import { testLogger } from './operator-harness.ts';

const FAST = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

describe('LeaderElector', () => {
  let server: KubeApiTestServer;
  let coordination: CoordinationV1Api;
  before(async () => {
    server = await startKubeApiTestServer();
    coordination = server.makeKubeConfig().makeApiClient(CoordinationV1Api);
  });
  after(async () => server.close());

  const elector = (identity: string, name = 'lease-a') =>
    new LeaderElector({ coordination, namespace: 'default', name, identity, log: testLogger(), ...FAST });

  function lease(name: string) {
    return server.getObject('coordination.k8s.io/v1', 'Lease', name, 'default') as
      | { spec: { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number } }
      | undefined;
  }

  test('one replica leads; the other waits and takes over at once when the leader releases', async () => {
    const a = elector('a');
    const b = elector('b');
    await a.acquire();
    a.keepRenewing(() => assert.fail('a must not lose the lease'));
    assert.equal(lease('lease-a')?.spec.holderIdentity, 'a');

    const abort = new AbortController();
    let bLeads = false;
    const waiting = b.acquire(abort.signal).then(() => (bLeads = true));
    await sleep(1500);
    assert.equal(bLeads, false, 'a keeps renewing, so b never sees an expired lease');

    await a.release();
    await waiting;
    assert.equal(lease('lease-a')?.spec.holderIdentity, 'b');
    await b.release();
    assert.equal(lease('lease-a')?.spec.holderIdentity, '');
  });

  test('a leader that stops renewing is replaced after the lease duration', async () => {
    const a = elector('a', 'lease-b');
    await a.acquire();
    // No keepRenewing: a crashed leader.
    const b = elector('b', 'lease-b');
    const started = Date.now();
    await b.acquire();
    assert.ok(Date.now() - started >= 900, 'waited about one lease duration');
    assert.equal(lease('lease-b')?.spec.holderIdentity, 'b');
    assert.equal(lease('lease-b')?.spec.leaseTransitions, 1);
    await b.release();
  });

  test('a leader that cannot renew within the deadline reports the loss', async () => {
    const a = elector('a', 'lease-c');
    await a.acquire();
    server.injectFault({ path: '/leases/lease-c', status: 500, times: 100 });
    const lost = await new Promise<string>((resolve) => a.keepRenewing((err) => resolve(err.code)));
    assert.equal(lost, 'OP_ERR_LEADER_LOST');
    assert.equal(a.isLeader, false);
    await a.release();
  });
});
