// An etcd compaction while the operator is cut off: its watches come back with a resourceVersion etcd no
// longer has, the API server answers 410 Gone, and the operator relists, so the Collector created while
// it was away is reconciled all the same. The apiserver runs without its watch cache, so watches read
// etcd directly and the compaction alone causes the 410; a TCP relay cuts the operator off.
import assert from 'node:assert/strict';
import { Watch } from '@kubernetes/client-node';
import { after, before, describe, test } from 'node:test';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import { startTcpProxy, type TcpProxy } from '../support/real-cluster/tcp-proxy.ts';
import {
  aCollector,
  Api,
  aService,
  installCrds,
  namespaceWithSecrets,
  runOperatorInProcess,
} from './support.ts';

const NS = 'compaction';

describe('etcd compaction and 410 Gone', { timeout: 300_000 }, () => {
  let cluster: RealCluster;
  let api: Api;
  let proxy: TcpProxy;
  let operator: Awaited<ReturnType<typeof runOperatorInProcess>>;

  before(
    async () => {
      cluster = await startRealCluster({ watchCache: false });
      api = new Api(cluster.admin.kc);
      await installCrds(cluster);
      await namespaceWithSecrets(cluster, NS);
      proxy = await startTcpProxy(Number(new URL(cluster.server).port));
      // The admin kubeconfig, pointed at the relay.
      const kubeconfig = join(cluster.dir, 'via-proxy.kubeconfig');
      await writeFile(
        kubeconfig,
        (await readFile(cluster.admin.file, 'utf8')).replace(
          cluster.server,
          `https://127.0.0.1:${proxy.port}`,
        ),
      );
      operator = await runOperatorInProcess(kubeconfig, ['--namespaces', NS]);
    },
    { timeout: 1_200_000 },
  );
  after(async () => {
    await operator?.stop('test done');
    await proxy?.close();
    await cluster?.stop();
  });

  test('a watch from a compacted resourceVersion gets 410, the operator relists and misses nothing', async () => {
    await api.create(aCollector(NS, 'before'));
    await api.create(aService(NS, 'before-signins', 'before', 'signIns'));
    await api.waitForCondition(NS, 'before', 'ConfigValid', 'True');
    // Let the operator's own writes settle, so the last Collector event it saw is the newest one.
    await new Promise((r) => setTimeout(r, 1000));
    const seen = (await api.collector(NS, 'before'))!.metadata.resourceVersion!;

    proxy.cut();
    await api.create(aCollector(NS, 'while-away'));
    await api.create(aService(NS, 'while-away-signins', 'while-away', 'signIns'));
    const compactedAt = await cluster.compactEtcd();
    assert.ok(compactedAt > Number(seen));

    // The request the operator's informer is about to make, made here: 410 Gone.
    let watching: Promise<AbortController> | undefined;
    const gone = await new Promise<number | undefined>((resolve) => {
      watching = new Watch(cluster.admin.kc).watch(
        `/apis/collectors.devo.com/v1alpha1/namespaces/${NS}/collectors`,
        { resourceVersion: seen },
        (phase, obj) => {
          if (phase === 'ERROR') resolve((obj as { code?: number }).code);
        },
        (err) => resolve((err as { statusCode?: number } | null)?.statusCode),
      );
    });
    (await watching)?.abort();
    assert.equal(gone, 410);

    proxy.restore();
    await api.waitForCondition(NS, 'while-away', 'ConfigValid', 'True', 90_000);
    const c = await api.collector(NS, 'while-away');
    assert.ok(c?.status?.conditions?.length);
  });
});
