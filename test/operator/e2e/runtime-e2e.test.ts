// Operator + runtime end to end: the operator renders a Collector into a Deployment, a kubelet stand-in runs
// that Deployment as the REAL collector runtime (child process) with the rendered config.yaml and the
// mounted Secret files, the runtime pulls the Graph simulator and sends to a real rsyslog over mutual TLS,
// checkpointing in the state ConfigMap through the test API server. Then startTimeInUtc moves back: the
// operator removes the state key before the new config rolls out, and the new runtime re-pulls history.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  startGraphSimulator,
  type GraphSimulator,
} from '../../simulators/graph/server.ts';
import { startRsyslogReceiver, type RsyslogReceiver } from '../../support/rsyslog-receiver.ts';
import { generateTestPki } from '../../support/tls-certs.ts';
import { aService, NAMESPACE, OperatorHarness, waitFor } from '../controller/operator-harness.ts';
import { API_VERSION } from '../../../operator/src/api/types.ts';
import { podRunner } from './pod-runner.ts';

const HOUR = 3600_000;
const STATE_KEY = 'microsoft_graph_audit.e2e.signIns';

describe('operator and collector runtime end to end', { timeout: 120_000 }, () => {
  let dir: string;
  let h: OperatorHarness;
  let sim: GraphSimulator;
  let rx: RsyslogReceiver;
  const output: string[] = [];
  /** Whether the state key existed when each runtime pod started, by pod start order. */
  const keyAtStart: boolean[] = [];
  const now = Date.now();
  let recent: string[] = [];
  let older: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'operator-e2e-'));
    const pki = await generateTestPki(join(dir, 'pki'));
    rx = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
    sim = await startGraphSimulator();
    // 10 sign-ins in the last two hours, 10 more between four and three hours ago.
    recent = sim.addRecords('signIns', 10, { from: now - 2 * HOUR, to: now - HOUR }).map((r) => r.id);
    older = sim.addRecords('signIns', 10, { from: now - 4 * HOUR, to: now - 3 * HOUR }).map((r) => r.id);

    let kubeconfig = '';
    const run = { current: undefined as ReturnType<typeof podRunner> | undefined };
    h = await OperatorHarness.start({
      workloads: {
        onPodStart: async (deployment, pod) => {
          const state = h.get('v1', 'ConfigMap', 'e2e-state');
          keyAtStart.push(STATE_KEY in ((state?.data ?? {}) as Record<string, string>));
          return run.current!(deployment, pod);
        },
      },
    });
    kubeconfig = await h.server.writeKubeconfigFile(dir, NAMESPACE);
    run.current = podRunner({ server: h.server, kubeconfig, dir: join(dir, 'pods'), output });

    await h.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'graph-credentials', namespace: NAMESPACE },
      stringData: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
    });
    await h.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'devo-certificate', namespace: NAMESPACE },
      stringData: {
        'chain.crt': await readFile(pki.caCert, 'utf8'),
        'cert.crt': await readFile(pki.clientCert, 'utf8'),
        'key.key': await readFile(pki.clientKey, 'utf8'),
      },
    });
    await h.create({
      apiVersion: API_VERSION,
      kind: 'Collector',
      metadata: { name: 'e2e', namespace: NAMESPACE },
      spec: {
        source: 'microsoft_graph_audit',
        inputId: 'e2e',
        credentialsSecretRef: { name: 'graph-credentials' },
        settings: { override_base_url: sim.url, override_login_url: sim.url },
        output: { address: '127.0.0.1', port: rx.port, certificateSecretRef: { name: 'devo-certificate' } },
        persistence: { type: 'ConfigMap' },
      },
    });
    await h.create(
      aService('e2e-signins', 'e2e', 'signIns', {
        startTimeInUtc: new Date(now - 2.5 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z'),
        requestPeriodSeconds: 60,
      }) as never,
    );
    await h.startController();
  });

  after(async () => {
    await h?.close();
    await sim?.close();
    await rx?.stop();
    if (process.env.OPERATOR_TEST_LOG) console.log(output.join('\n'));
    await rm(dir, { recursive: true, force: true });
  });

  const received = async (): Promise<Set<string>> => {
    const ids = new Set<string>();
    for (const line of await rx.lines()) {
      const id = /"id":"([^"]+)"/.exec(line)?.[1];
      if (id) ids.add(id);
    }
    return ids;
  };

  test('the operator-rendered collector pulls the simulator and delivers to rsyslog, checkpointing in its ConfigMap', async () => {
    await h.waitForCondition('e2e', 'Ready', 'True', 20_000);
    await waitFor(
      'the 10 recent sign-ins at the receiver',
      async () => {
        const got = await received();
        return recent.every((id) => got.has(id));
      },
      30_000,
    ).catch((err: Error) => assert.fail(`${err.message}\nruntime output:\n${output.slice(-40).join('\n')}`));
    const got = await received();
    assert.ok(
      older.every((id) => !got.has(id)),
      'nothing before startTimeInUtc was pulled',
    );
    await waitFor('a checkpoint in the state ConfigMap', () => {
      const data = (h.get('v1', 'ConfigMap', 'e2e-state')?.data ?? {}) as Record<string, string>;
      return STATE_KEY in data;
    });
    // The runtime reports its last successful pull into the Collector status ("Last Pull" column),
    // and the operator's own status writes leave that field alone.
    await waitFor(
      'status.lastPullTime from the runtime',
      () => {
        const status = h.get(API_VERSION, 'Collector', 'e2e')?.status as
          { lastPullTime?: string } | undefined;
        return status?.lastPullTime !== undefined && Date.now() - Date.parse(status.lastPullTime) < 120_000;
      },
      20_000,
    );
    const collector = h.get(API_VERSION, 'Collector', 'e2e') as { status: { conditions: unknown[] } };
    assert.ok(collector.status.conditions.length > 0, 'the operator status is intact');
  });

  test('moving startTimeInUtc back: the operator removes the checkpoint first, the new runtime re-pulls history', async () => {
    await h.patchSpec('Service', 'e2e-signins', {
      startTimeInUtc: new Date(now - 5 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    await h.waitForCondition('e2e', 'StateReset', 'True', 20_000);
    const all = [...recent, ...older];
    await waitFor(
      'all 20 sign-ins at the receiver',
      async () => {
        const got = await received();
        return all.every((id) => got.has(id));
      },
      30_000,
    ).catch((err: Error) => assert.fail(`${err.message}\nruntime output:\n${output.slice(-40).join('\n')}`));
    assert.ok(keyAtStart.length >= 2, 'the Deployment rolled');
    assert.equal(keyAtStart.at(-1), false, 'the new runtime started without the old checkpoint');
    assert.equal(h.events('StateReset').length, 1);
  });
});
