// The Kubernetes API server down for 30 s in the middle of a pull (kube-apiserver stopped, etcd kept, then
// started again on the same address): the collector runtime (a local process run from the operator's
// Deployment, with its ServiceAccount's token, checkpointing in its state ConfigMap) and the operator (a
// child process) both come back without a restart. The runtime keeps pulling and sending while its
// checkpoint writes fail, and retries the newest checkpoint until the API server takes it. No checkpoint is
// lost: the first one after the outage is not behind the last one before it (read from etcd while the API
// server is gone), and the final one covers every event; the receiver gets every event, none twice unless a
// pull failed. lastPullTime moves again, and a Service created after the outage is reconciled by the same
// operator process through its restarted watches.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import type { JsonObject } from '../support/kube-api-server/json-value.ts';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import { startRsyslogReceiver, type RsyslogReceiver } from '../support/rsyslog-receiver.ts';
import { generateTestPki, type TestPki } from '../support/tls-certs.ts';
import { startGraphSimulator, type GraphSimulator } from '../simulators/graph/server.ts';
import { podRunner } from '../operator/e2e/pod-runner.ts';
import {
  Api,
  aService,
  installCrds,
  simulatedGraphCollector,
  spawnOperator,
  waitFor,
  yamlDocs,
  type OperatorProcess,
} from './support.ts';

const NS = 'outage';
const COLLECTOR = 'graph';
const INPUT_ID = 'out';
const HOUR = 3600_000;
const OUTAGE_MS = 30_000;
const PAGE_SIZE = 50;
/** The long pull: 1,800 sign-ins at 50 a page, paced by the Graph budget (5 requests per 10 s): over a minute. */
const BACKLOG = 1800;
/** The short pull: finishes (and is reported as lastPullTime) before the outage. */
const SHORT = 40;

let cluster: RealCluster;
let api: Api;
let dir: string;
let pki: TestPki;
let rx: RsyslogReceiver;
let sim: GraphSimulator;
let operator: OperatorProcess | undefined;
const pods: { stop(): void | Promise<void> }[] = [];

before(
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'apiserver-outage-'));
    cluster = await startRealCluster();
    api = new Api(cluster.admin.kc);
    await installCrds(cluster);
    pki = await generateTestPki(join(dir, 'pki'));
    rx = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
    sim = await startGraphSimulator({ pageSize: PAGE_SIZE });
  },
  { timeout: 300_000 },
);
after(async () => {
  for (const p of pods) await p.stop();
  await operator?.stop();
  await sim?.close();
  await rx?.stop();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface StateDoc {
  data: { last_event_time_in_utc?: string; last_ids: [string, number][] };
}

const SAVE_FAILED =
  'Failed to save the checkpoint; pulling goes on and the newest checkpoint is retried until the store takes it';

/**
 * One data entry of a ConfigMap as etcd stores it (protobuf): the map entry is `0x0a len key 0x12 varint
 * value`. Enough for a key under 128 bytes and a JSON value.
 */
function configMapEntry(stored: Buffer, key: string): StateDoc | undefined {
  const at = stored.indexOf(
    Buffer.concat([Buffer.from([0x0a, key.length]), Buffer.from(key), Buffer.from([0x12])]),
  );
  if (at < 0) return undefined;
  let i = at + key.length + 3;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const b = stored[i++]!;
    length |= (b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  return JSON.parse(stored.subarray(i, i + length).toString('utf8')) as StateDoc;
}

/** The record ids a checkpoint vouches for: older than its watermark, or among its recent keys. */
function covered(doc: StateDoc | undefined, records: readonly { id: string; at: number }[]): Set<string> {
  const watermark = doc?.data.last_event_time_in_utc
    ? Date.parse(doc.data.last_event_time_in_utc)
    : -Infinity;
  const keys = new Set((doc?.data.last_ids ?? []).map(([k]) => k));
  return new Set(records.filter((r) => r.at < watermark || keys.has(r.id)).map((r) => r.id));
}

test(
  'the API server down for 30 s: runtime and operator recover, no checkpoint lost',
  { timeout: 600_000 },
  async (t) => {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    const now = Date.now();
    sim.addRecords('signIns', BACKLOG, { from: now - 2 * HOUR, to: now - 10 * 60_000 });
    sim.addRecords('directory_audits', SHORT, { from: now - 2 * HOUR, to: now - HOUR });
    const records = (service: 'signIns' | 'directory_audits') =>
      sim.records(service).map((r) => ({
        id: String(r.id),
        at: Date.parse(String(service === 'signIns' ? r.createdDateTime : r.activityDateTime)),
      }));

    const user = await cluster.certificateUser('devo-operator', ['system:masters']);
    operator = spawnOperator(user.file, ['--resync-period-seconds', '3600']);
    const operatorPid = operator.child.pid;
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: yamlDocs([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
        ...(await simulatedGraphCollector({
          namespace: NS,
          name: COLLECTOR,
          inputId: INPUT_ID,
          pki,
          simUrl: sim.url,
          receiverPort: rx.port,
        })),
        // Ten-minute windows: the watermark moves every few pages, so "not behind" is a time to compare.
        aService(NS, 'graph-signins', COLLECTOR, 'signIns', {
          startTimeInUtc: iso(now - 3 * HOUR),
          requestPeriodSeconds: 60,
          overrideQueryWindowMaxSeconds: 600,
        }),
        aService(NS, 'graph-audits', COLLECTOR, 'directory_audits', {
          startTimeInUtc: iso(now - 3 * HOUR),
          requestPeriodSeconds: 60,
        }),
      ]),
    });
    await api.waitForCondition(NS, COLLECTOR, 'ConfigValid', 'True', 60_000);

    // The kubelet's part: run the Deployment's container as a local process with the pod's ServiceAccount.
    const deployment = await waitFor('the Deployment', () => api.deployment(NS, COLLECTOR), 30_000, 200);
    const sa = deployment.spec!.template.spec!.serviceAccountName!;
    const kubeconfig = await cluster.tokenUser(`${NS}-${sa}`, await cluster.serviceAccountToken(NS, sa));
    const output: string[] = [];
    const pod = await podRunner({
      server: {
        getObject: async (_apiVersion, kind, name, namespace) => {
          const out = await cluster.kubectl(['get', kind.toLowerCase(), name, '-n', namespace, '-o', 'json']);
          return out.code === 0 ? (JSON.parse(out.stdout) as JsonObject) : undefined;
        },
      },
      kubeconfig: kubeconfig.file,
      dir: join(dir, 'pods'),
      output,
    })(JSON.parse(JSON.stringify(deployment)) as JsonObject, {
      podName: `${COLLECTOR}-pod`,
      namespace: NS,
      index: 0,
      restartCount: 0,
    });
    pods.push(pod);
    let runtimeExit: unknown;
    void pod.exited?.then((code) => (runtimeExit = code ?? 'signal'));
    const fail = (err: Error) =>
      assert.fail(`${err.message}\nruntime output:\n${output.slice(-30).join('\n')}`);
    const logs = () =>
      output.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });

    const received = async () => {
      const ids: string[] = [];
      for (const line of await rx.lines()) {
        const m = /^<14>\S+ \S+ \S+: (.*)$/.exec(line);
        if (m) ids.push(String((JSON.parse(m[1]!) as { id?: unknown }).id));
      }
      return ids;
    };
    const signInKey = `microsoft_graph_audit.${INPUT_ID}.signIns`;
    const readState = async () => {
      const cm = await api.core.readNamespacedConfigMap({ name: `${COLLECTOR}-state`, namespace: NS });
      const raw = cm.data?.[signInKey];
      return {
        resourceVersion: cm.metadata!.resourceVersion!,
        doc: raw ? (JSON.parse(raw) as StateDoc) : undefined,
      };
    };
    const storedCheckpoint = async () => {
      const kv = await cluster.etcdGet(`/registry/configmaps/${NS}/${COLLECTOR}-state`);
      assert.ok(kv, 'the state ConfigMap is in etcd');
      return { resourceVersion: kv.modRevision, doc: configMapEntry(kv.value, signInKey) };
    };
    const templateHash = async () =>
      (await api.deployment(NS, COLLECTOR))?.spec?.template.metadata?.annotations?.[
        'collectors.devo.com/config-hash'
      ];
    const lastPullTime = async () => (await api.collector(NS, COLLECTOR))?.status?.lastPullTime;

    // Mid-pull: the short service is done and reported, the long one has checkpointed part of its backlog.
    const pulledBefore = await waitFor('lastPullTime from the runtime', lastPullTime, 90_000, 250).catch(
      fail,
    );
    await waitFor(
      'a signIns checkpoint mid-pull',
      async () => covered((await readState()).doc, records('signIns')).size >= 200,
      60_000,
      100,
    ).catch(fail);

    const down = Date.now();
    await cluster.stopApiServer();
    const stopped = Date.now();
    const deliveredAtStop = (await received()).length;
    // The last checkpoint written before the outage, as etcd holds it while no API server runs.
    const before = await storedCheckpoint();
    const coveredBefore = covered(before.doc, records('signIns'));
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const restarting = Date.now();
    await cluster.startApiServer();
    const up = Date.now();
    const requestsDuringOutage = sim.stats().requestLog.filter((r) => r.at >= stopped && r.at < up).length;
    const deliveredDuringOutage = (await received()).length - deliveredAtStop;
    assert.ok(
      deliveredDuringOutage > 0,
      'the runtime kept pulling and sending while the API server was down',
    );

    // Each recovery timed from the moment the API server was ready again, side by side.
    const timed = <T>(p: Promise<T>) => p.then((value) => ({ value, ms: Date.now() - up }));
    const [checkpoint, status, reconciled] = await Promise.all([
      timed(
        waitFor(
          'a checkpoint written after the outage',
          async () => {
            const s = await readState();
            return s.resourceVersion !== before.resourceVersion && s;
          },
          60_000,
          100,
        ),
      ),
      timed(
        waitFor(
          'a newer lastPullTime',
          async () => {
            const at = await lastPullTime();
            return at !== undefined && Date.parse(at) > Date.parse(pulledBefore) && at;
          },
          60_000,
          100,
        ),
      ),
      // The operator: a Service created now must come through its watches (resync is an hour away).
      timed(
        (async () => {
          const hashBefore = await templateHash();
          await api.create(aService(NS, 'graph-provisioning', COLLECTOR, 'provisioning_audits'));
          await waitFor(
            'the new Service in the rendered config',
            async () => {
              const cm = await api.core.readNamespacedConfigMap({
                name: `${COLLECTOR}-config`,
                namespace: NS,
              });
              const config = parse(cm.data!['config.yaml']!) as {
                inputs: Record<string, { services: Record<string, unknown> }>;
              };
              return 'provisioning_audits' in config.inputs.microsoft_graph_audit!.services;
            },
            90_000,
            100,
          );
          // The Deployment rolls to the new config and the status says so, in whatever order they land.
          return waitFor(
            'the Deployment and the Collector status on the new config hash',
            async () => {
              const hash = await templateHash();
              const c = await api.collector(NS, COLLECTOR);
              return hash !== hashBefore && c?.status?.configHash === hash && c;
            },
            60_000,
            100,
          );
        })(),
      ),
    ]).catch(fail);
    const collector = reconciled.value;
    const condition = (type: string) => collector.status?.conditions?.find((c) => c.type === type);
    assert.equal(collector.status?.observedGeneration, collector.metadata.generation);
    assert.equal(condition('ConfigValid')?.status, 'True');
    assert.equal(condition('SecretsFound')?.status, 'True');
    assert.equal(condition('Degraded')?.status, 'False', JSON.stringify(condition('Degraded')));

    // No checkpoint lost: the first one after the outage is not behind the last one before it, and once the
    // pull ends the checkpoint covers every sign-in.
    const notBehind = (later: StateDoc | undefined) => {
      const after = covered(later, records('signIns'));
      for (const id of coveredBefore)
        assert.ok(after.has(id), `the checkpoint after the outage covers ${id}`);
      assert.ok(
        Date.parse(later!.data.last_event_time_in_utc!) >=
          Date.parse(before.doc!.data.last_event_time_in_utc!),
        'the watermark did not move back',
      );
      return after;
    };
    const coveredFirst = notBehind(checkpoint.value.doc);
    const final = await waitFor(
      'a checkpoint covering the whole backlog',
      async () => {
        const s = await readState();
        return covered(s.doc, records('signIns')).size === BACKLOG && s;
      },
      120_000,
      250,
    ).catch(fail);
    notBehind(final.doc);

    const expected = [...records('signIns'), ...records('directory_audits')].map((r) => r.id);
    const ids = await waitFor(
      'every record at the receiver',
      async () => {
        const got = await received();
        const set = new Set(got);
        return expected.every((id) => set.has(id)) && got;
      },
      60_000,
      250,
    );
    const unique = new Set(ids);
    const duplicates = ids.length - unique.size;
    const messages = logs().map((l) => l.msg);
    const count = (msg: string) => messages.filter((m) => m === msg).length;
    assert.ok(
      count(SAVE_FAILED) >= 1 && count('Saved the checkpoint again') >= 1,
      `the checkpoint writes failed during the outage and were retried until one went through:\n${logs()
        .filter((l) => /checkpoint|state/i.test(String(l.msg)))
        .map((l) => JSON.stringify(l))
        .join('\n')}`,
    );
    // A pull fails (and re-sends the page it was on) only for a write the store refuses for good (a 403).
    const failedPulls = count('Failed to pull; the checkpoint did not move');
    assert.ok(
      duplicates <= failedPulls * PAGE_SIZE,
      `${duplicates} duplicates, ${failedPulls} failed pulls: at most one page re-sent per failed pull`,
    );

    assert.equal(runtimeExit, undefined, 'the runtime process never exited');
    assert.equal(operator.child.exitCode, null, 'the operator process never exited');
    assert.equal(operator.child.pid, operatorPid);

    const watermark = (d: StateDoc | undefined) => d?.data.last_event_time_in_utc;
    t.diagnostic(
      `API server down ${up - down} ms (SIGTERM to exit ${stopped - down} ms, ${OUTAGE_MS} ms gone, ` +
        `start to ready ${up - restarting} ms)`,
    );
    t.diagnostic(
      `signIns checkpoint: last before the outage ${coveredBefore.size} of ${BACKLOG} records (watermark ` +
        `${watermark(before.doc)}), first after ${coveredFirst.size} (${watermark(checkpoint.value.doc)}), ` +
        `final ${covered(final.doc, records('signIns')).size} (${watermark(final.doc)})`,
    );
    t.diagnostic(
      `events: ${ids.length} received, ${unique.size} unique of ${expected.length}, 0 lost, ${duplicates} duplicates, ` +
        `${failedPulls} failed pulls; during the outage ${deliveredDuringOutage} events sent and ${requestsDuringOutage} ` +
        `vendor requests; ${count(SAVE_FAILED)} failed-checkpoint streaks, ${count('Failed to save the checkpoint again')} ` +
        `writes refused (401/403) while the API server started`,
    );
    t.diagnostic(
      `recovery after the API server was ready: checkpoint written in ${checkpoint.ms} ms, lastPullTime ` +
        `${pulledBefore} -> ${status.value} in ${status.ms} ms, the operator reconciled a Service created then ` +
        `in ${reconciled.ms} ms (same pids, no restart)`,
    );
    const restarts = operator.logs.filter((l) => l.msg === 'Restarting informer after a watch or list error');
    t.diagnostic(
      `operator: ${restarts.length} informer restarts, backoff up to ` +
        `${Math.max(0, ...restarts.map((l) => Number(l.retryInMs)))} ms (1 s doubling to 30 s)`,
    );
  },
);
