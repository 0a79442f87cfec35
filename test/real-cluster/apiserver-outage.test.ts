// The Kubernetes API server down for 30 s in the middle of a pull (kube-apiserver stopped, etcd kept, then
// started again on the same address): the collector runtime (a local process run from the operator's
// Deployment, with its ServiceAccount's token, checkpointing in its state ConfigMap) and the operator (a
// child process) both come back without a restart. No checkpoint is lost: the ConfigMap after the outage is
// not behind the one before it and covers every event delivered; the duplicates the receiver got are the
// pages re-sent by pulls whose checkpoint write failed; lastPullTime moves again; a Service created after
// the outage is reconciled by the same operator process through its restarted watches.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { API_VERSION } from '../../operator/src/api/types.ts';
import type { JsonObject } from '../support/kube-api-server/json-value.ts';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import { startRsyslogReceiver, type RsyslogReceiver } from '../support/rsyslog-receiver.ts';
import { generateTestPki, type TestPki } from '../support/tls-certs.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphSimulator,
} from '../simulators/graph/server.ts';
import { podRunner } from '../operator/e2e/pod-runner.ts';
import {
  Api,
  aService,
  installCrds,
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
const PAGE_SIZE = 20;
/** The long pull: 1,800 sign-ins at 20 a page, each page answered after 250 ms, so it spans the outage. */
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
    const records = (service: 'signIns' | 'directory_audits' | 'provisioning_audits') =>
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
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'graph-credentials', namespace: NS },
          stringData: {
            tenant_id: SIM_TENANT_ID,
            client_id: SIM_CLIENT_ID,
            client_secret: SIM_CLIENT_SECRET,
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'devo-certificate', namespace: NS },
          stringData: {
            'chain.crt': await readFile(pki.caCert, 'utf8'),
            'cert.crt': await readFile(pki.clientCert, 'utf8'),
            'key.key': await readFile(pki.clientKey, 'utf8'),
          },
        },
        {
          apiVersion: API_VERSION,
          kind: 'Collector',
          metadata: { name: COLLECTOR, namespace: NS },
          spec: {
            source: 'microsoft_graph_audit',
            inputId: INPUT_ID,
            credentialsSecretRef: { name: 'graph-credentials' },
            settings: { override_base_url: sim.url, override_login_url: sim.url },
            output: {
              address: '127.0.0.1',
              port: rx.port,
              certificateSecretRef: { name: 'devo-certificate' },
            },
            persistence: { type: 'ConfigMap' },
          },
        },
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
    sim.scenario.delayMs = 250;
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
    // What the runtime had written last, as etcd holds it (the stop lets in-flight requests finish).
    const deliveredAtStop = (await received()).length;
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (stopped - down)));
    await cluster.startApiServer();
    const up = Date.now();
    const requestsDuringOutage = sim.stats().requestLog.filter((r) => r.at >= stopped && r.at < up).length;
    const deliveredDuringOutage = (await received()).length - deliveredAtStop;
    const before = await readState();
    const coveredBefore = covered(before.doc, records('signIns'));
    assert.ok(
      coveredBefore.size < BACKLOG,
      `the pull was still running when the API server stopped (${coveredBefore.size} of ${BACKLOG} checkpointed)`,
    );

    // The operator: a Service created now must come through its watches (resync is an hour away).
    const createdAt = Date.now();
    await api.create(aService(NS, 'graph-provisioning', COLLECTOR, 'provisioning_audits'));
    await waitFor(
      'the new Service in the rendered config',
      async () => {
        const cm = await api.core.readNamespacedConfigMap({ name: `${COLLECTOR}-config`, namespace: NS });
        const config = parse(cm.data!['config.yaml']!) as {
          inputs: Record<string, { services: Record<string, unknown> }>;
        };
        return 'provisioning_audits' in config.inputs.microsoft_graph_audit!.services;
      },
      90_000,
      250,
    );
    const operatorRecoveredMs = Date.now() - createdAt;
    const hash = (await api.deployment(NS, COLLECTOR))?.spec?.template.metadata?.annotations?.[
      'collectors.devo.com/config-hash'
    ];
    const collector = await waitFor(
      'Collector status with the new config hash',
      async () => {
        const c = await api.collector(NS, COLLECTOR);
        return c?.status?.configHash === hash && c;
      },
      60_000,
      250,
    );
    const condition = (type: string) => collector.status?.conditions?.find((c) => c.type === type);
    assert.equal(collector.status?.observedGeneration, collector.metadata.generation);
    assert.equal(condition('ConfigValid')?.status, 'True');
    assert.equal(condition('SecretsFound')?.status, 'True');
    assert.equal(condition('Degraded')?.status, 'False', JSON.stringify(condition('Degraded')));

    // The runtime: the long pull ends, every sign-in checkpointed and delivered, lastPullTime moves again.
    const final = await waitFor(
      'a checkpoint covering the whole backlog',
      async () => {
        const s = await readState();
        return covered(s.doc, records('signIns')).size === BACKLOG && s;
      },
      180_000,
      250,
    ).catch(fail);
    const pulledAfter = await waitFor(
      'a newer lastPullTime',
      async () => {
        const at = await lastPullTime();
        return at !== undefined && Date.parse(at) > Date.parse(pulledBefore) && at;
      },
      90_000,
      250,
    ).catch(fail);
    const statusRecoveredMs = Date.now() - up;
    const coveredAfter = covered(final.doc, records('signIns'));
    for (const id of coveredBefore)
      assert.ok(coveredAfter.has(id), `checkpoint after the outage covers ${id}`);
    assert.ok(
      Date.parse(final.doc!.data.last_event_time_in_utc!) >=
        Date.parse(before.doc!.data.last_event_time_in_utc!),
      'the watermark did not move back',
    );

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
    const stateFailures = logs().filter(
      (l) =>
        l.msg === 'Failed to pull; the checkpoint did not move' &&
        (l.err as { code?: string } | undefined)?.code === 'CR_ERR_STATE_IO',
    ).length;
    assert.ok(stateFailures >= 1, 'the runtime saw its checkpoint writes fail during the outage');
    assert.ok(
      duplicates <= stateFailures * PAGE_SIZE,
      `${duplicates} duplicates: at most one page re-sent per failed checkpoint write (${stateFailures})`,
    );

    assert.equal(runtimeExit, undefined, 'the runtime process never exited');
    assert.equal(operator.child.exitCode, null, 'the operator process never exited');
    assert.equal(operator.child.pid, operatorPid);

    t.diagnostic(
      `API server down ${up - down} ms (stopped in ${stopped - down} ms); ` +
        `signIns checkpoint before: ${coveredBefore.size} of ${BACKLOG} records (watermark ${before.doc?.data.last_event_time_in_utc}), ` +
        `after: ${coveredAfter.size} (watermark ${final.doc?.data.last_event_time_in_utc})`,
    );
    t.diagnostic(
      `events delivered: ${ids.length} (${unique.size} unique of ${expected.length}, 0 lost, ${duplicates} duplicates ` +
        `from ${stateFailures} pulls whose checkpoint write failed); ${deliveredDuringOutage} lines and ` +
        `${requestsDuringOutage} vendor requests during the outage`,
    );
    t.diagnostic(
      `recovered after the API server was back: lastPullTime ${pulledBefore} -> ${pulledAfter} within ${statusRecoveredMs} ms; ` +
        `the operator reconciled a new Service ${operatorRecoveredMs} ms after it was created`,
    );
  },
);
