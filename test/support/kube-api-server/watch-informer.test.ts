import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CoreV1Api,
  type KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { type KubeApiTestServer, startKubeApiTestServer } from './server.ts';
import { waitFor } from './test-fixtures.ts';

interface Seen {
  type: string;
  name: string | undefined;
  code?: number;
  reason?: string;
  resourceVersion?: string;
}

const PATH = '/api/v1/namespaces/default/configmaps';

describe('watch', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiTestServer({ bookmarkIntervalMs: 50 });
    kc = server.makeKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
  });
  after(() => server.close());

  /** Starts a client-node Watch and records its events and how it ended. */
  async function record(query: Record<string, string | number | boolean>) {
    const events: Seen[] = [];
    let ended: unknown = 'open';
    const controller = await new Watch(kc).watch(
      PATH,
      query,
      (
        type,
        obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string },
      ) => {
        events.push({
          type,
          name: obj.metadata?.name,
          code: obj.code,
          reason: obj.reason,
          resourceVersion: obj.metadata?.resourceVersion,
        });
      },
      (err) => {
        ended = err ?? null;
      },
    );
    return { events, ended: () => ended, stop: () => controller.abort() };
  }

  it('streams ADDED, MODIFIED and DELETED from a list resourceVersion', async () => {
    const rv = (await core.listNamespacedConfigMap({ namespace: 'default' })).metadata?.resourceVersion ?? '';
    const w = await record({ resourceVersion: rv });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'w1' }, data: { a: '1' } },
    });
    await core.patchNamespacedConfigMap(
      { name: 'w1', namespace: 'default', body: { data: { a: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'default' });
    await waitFor('three events', () => w.events.length >= 3 || undefined);
    assert.deepEqual(
      w.events.map((e) => `${e.type}:${e.name}`),
      ['ADDED:w1', 'MODIFIED:w1', 'DELETED:w1'],
    );
    const rvs = w.events.map((e) => Number(e.resourceVersion));
    assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, 'the DELETED event carries a newer resourceVersion');
    w.stop();
  });

  it('replays missed events when resuming from a recent resourceVersion', async () => {
    const rv = server.resourceVersion();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'missed' } } });
    const w = await record({ resourceVersion: rv });
    await waitFor('replayed ADDED', () => w.events.find((e) => e.name === 'missed'));
    w.stop();
  });

  it('sends synthetic ADDED for current state when no resourceVersion is given', async () => {
    const w = await record({});
    await waitFor('initial ADDED', () => w.events.find((e) => e.name === 'missed'));
    assert.ok(w.events.every((e) => e.type === 'ADDED'));
    w.stop();
  });

  it('answers a too-old resourceVersion with an ERROR event carrying 410 Expired, then ends the stream', async () => {
    const old = server.resourceVersion();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'after-expiry' } },
    });
    server.expireWatchHistory();
    const w = await record({ resourceVersion: old });
    await waitFor('stream end', () => (w.ended() !== 'open' ? true : undefined));
    assert.deepEqual(w.events, [
      { type: 'ERROR', name: undefined, code: 410, reason: 'Expired', resourceVersion: undefined },
    ]);
    assert.equal(w.ended(), null, 'a clean end, as the apiserver closes after the ERROR event');
  });

  it('emits BOOKMARK events when allowed', async () => {
    const w = await record({ resourceVersion: server.resourceVersion(), allowWatchBookmarks: true });
    await waitFor('a bookmark', () => w.events.find((e) => e.type === 'BOOKMARK'));
    assert.equal(w.events.find((e) => e.type === 'BOOKMARK')?.resourceVersion, server.resourceVersion());
    w.stop();
  });

  it('turns leaving a label selection into DELETED and entering into ADDED', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'sel', labels: { watched: 'yes' } } },
    });
    const w = await record({ resourceVersion: server.resourceVersion(), labelSelector: 'watched=yes' });
    const setLabel = (value: string) =>
      core.patchNamespacedConfigMap(
        { name: 'sel', namespace: 'default', body: { metadata: { labels: { watched: value } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await setLabel('no');
    await setLabel('yes');
    await waitFor('two events', () => w.events.length >= 2 || undefined);
    assert.deepEqual(
      w.events.map((e) => e.type),
      ['DELETED', 'ADDED'],
    );
    w.stop();
  });

  it('breakWatches() ends streams cleanly or abruptly; timeoutSeconds ends them too', async () => {
    const first = await record({ resourceVersion: server.resourceVersion() });
    const second = await record({ resourceVersion: server.resourceVersion() });
    await waitFor('two open watches', () => (server.activeWatches() >= 2 ? true : undefined));
    server.breakWatches();
    await waitFor('clean ends', () =>
      first.ended() !== 'open' && second.ended() !== 'open' ? true : undefined,
    );
    assert.equal(first.ended(), null);
    assert.equal(second.ended(), null);

    const dropped = await record({ resourceVersion: server.resourceVersion() });
    await waitFor('one open watch', () => (server.activeWatches() >= 1 ? true : undefined));
    server.breakWatches({ abrupt: true });
    await waitFor('abrupt end', () => (dropped.ended() !== 'open' ? true : undefined));
    assert.ok(dropped.ended() instanceof Error, 'a destroyed socket surfaces as an error');

    const timed = await record({ resourceVersion: server.resourceVersion(), timeoutSeconds: 1 });
    await waitFor('timeout end', () => (timed.ended() !== 'open' ? true : undefined), 2500);
    assert.equal(timed.ended(), null);
  });

  it('accepts watch=1 from plain HTTP clients', async () => {
    const res = await fetch(`${server.url}${PATH}?watch=1&resourceVersion=0`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    const first = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as { type: string };
    assert.equal(first.type, 'ADDED');
    await reader.cancel();
  });
});

describe('client-node informer against the test server', () => {
  let server: KubeApiTestServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  before(async () => {
    server = await startKubeApiTestServer();
    kc = server.makeKubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    for (const name of ['a', 'b']) {
      await core.createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name, labels: { app: 'inf' } } },
      });
    }
  });
  after(() => server.close());

  it('lists, watches, relists after 410 Gone and reports deletions it missed', async () => {
    const informer = makeInformer<V1ConfigMap>(
      kc,
      '/api/v1/namespaces/default/configmaps',
      () => core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=inf' }),
      'app=inf',
    );
    const log: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (o) => log.push(`add:${o.metadata?.name}`));
    informer.on('update', (o) => log.push(`update:${o.metadata?.name}`));
    informer.on('delete', (o) => log.push(`delete:${o.metadata?.name}`));
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    assert.deepEqual(
      informer
        .list('default')
        .map((o) => o.metadata?.name)
        .sort(),
      ['a', 'b'],
    );

    await core.replaceNamespacedConfigMap({
      name: 'a',
      namespace: 'default',
      body: { metadata: { name: 'a', labels: { app: 'inf' } }, data: { v: '2' } },
    });
    await waitFor('update of a', () => log.includes('update:a') || undefined);

    // Drop the watch, change state while nobody is watching, and compact history: the informer's
    // resume gets 410 Expired, so it must relist and diff its cache to notice that `b` is gone.
    const listsBefore = server.requests().filter((r) => r.method === 'GET' && !r.watch).length;
    const lastSeen = server.resourceVersion();
    server.breakWatches();
    server.deleteObject('v1', 'ConfigMap', 'b', 'default');
    server.expireWatchHistory();
    await waitFor('delete of b noticed by relist', () => log.includes('delete:b') || undefined);
    const lists = server.requests().filter((r) => r.method === 'GET' && !r.watch).length;
    assert.equal(lists, listsBefore + 1, 'exactly one relist');
    assert.ok(
      server.requests().some((r) => r.watch && r.query.resourceVersion === lastSeen),
      'the informer first tried to resume from its last resourceVersion',
    );

    // After the relist it watches again (client-node waits 1 s before re-watching).
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'c', labels: { app: 'inf' } } },
    });
    await waitFor('c in cache', () => informer.get('c', 'default'), 4000);
    assert.deepEqual(errors, []);
    await informer.stop();
  });

  it('surfaces an abruptly dropped watch as an error; start() resumes', async () => {
    const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'default' }),
    );
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    await waitFor('watch open', () => (server.activeWatches() > 0 ? true : undefined));
    server.breakWatches({ abrupt: true });
    await waitFor('error callback', () => (errors.length > 0 ? true : undefined));
    await informer.start();
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'after-restart' } },
    });
    await waitFor('object after restart', () => informer.get('after-restart', 'default'));
    await informer.stop();
  });
});
