// Least privilege, proven by the API server's own RBAC and audit log: the operator runs as a certificate user
// bound to the chart's ClusterRole, and the collector runtime (a local process, started from the Deployment
// the operator applied) runs with its own ServiceAccount's token and the Role the operator made for it.
// Neither gets a single 403; a permission taken away gives the clear error the README promises.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { JsonObject } from '../support/kube-api-server/json-value.ts';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import { startRsyslogReceiver, type RsyslogReceiver } from '../support/rsyslog-receiver.ts';
import { generateTestPki } from '../support/tls-certs.ts';
import { startGraphSimulator, type GraphSimulator } from '../simulators/graph/server.ts';
import { podRunner } from '../operator/e2e/pod-runner.ts';
import {
  aCollector,
  Api,
  aService,
  installCrds,
  simulatedGraphCollector,
  namespaceWithSecrets,
  ROOT,
  runOperatorInProcess,
  waitFor,
  yamlDocs,
} from './support.ts';

const OPERATOR_USER = 'devo-operator';
const HOUR = 3600_000;

describe('RBAC on a real API server', { timeout: 600_000 }, () => {
  let cluster: RealCluster;
  let api: Api;
  let dir: string;
  let operator: Awaited<ReturnType<typeof runOperatorInProcess>> | undefined;
  let clusterRole: JsonObject;

  before(
    async () => {
      cluster = await startRealCluster();
      api = new Api(cluster.admin.kc);
      dir = await mkdtemp(join(tmpdir(), 'rbac-'));
      await installCrds(cluster);
      // The chart's ClusterRole as `helm template` renders it, bound to a certificate user.
      const rendered = await cluster.helm([
        'template',
        'devo',
        join(ROOT, 'charts/devo-collector-operator'),
        '--namespace',
        'devo-system',
        '--set',
        'crds.install=false',
      ]);
      assert.equal(rendered.code, 0, rendered.stderr);
      clusterRole = parseAllDocuments(rendered.stdout)
        .map((d) => d.toJS() as JsonObject | null)
        .find((d) => d?.kind === 'ClusterRole')!;
      assert.ok(clusterRole, 'the chart renders a ClusterRole');
      await cluster.kubectlOk(['apply', '-f', '-'], {
        input: yamlDocs([
          clusterRole,
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: 'devo-operator-user' },
            roleRef: {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'ClusterRole',
              name: (clusterRole.metadata as { name: string }).name,
            },
            subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: OPERATOR_USER }],
          },
        ]),
      });
    },
    { timeout: 1_200_000 },
  );
  after(async () => {
    await operator?.stop('test done');
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const forbidden = async (username: string) =>
    (await cluster.auditEvents())
      .filter((e) => e.user.username === username && e.responseStatus?.code === 403)
      .map((e) => `${e.verb} ${e.requestURI}`);

  test('the operator as a certificate user with the chart ClusterRole: zero 403s', async () => {
    const ns = 'operator-rbac';
    await namespaceWithSecrets(cluster, ns);
    const user = await cluster.certificateUser(OPERATOR_USER);
    operator = await runOperatorInProcess(user.file);
    await api.create(aCollector(ns, 'least'));
    await api.create(aService(ns, 'least-signins', 'least', 'signIns'));
    await api.waitForCondition(ns, 'least', 'ConfigValid', 'True');
    await api.waitForCondition(ns, 'least', 'Degraded', 'False');
    await waitFor('the Deployment', () => api.deployment(ns, 'least'), 30_000, 200);
    const events = (await cluster.auditEvents()).filter((e) => e.user.username === OPERATOR_USER);
    assert.ok(events.length > 20, `the operator made requests (${events.length})`);
    assert.deepEqual(await forbidden(OPERATOR_USER), []);
  });

  test('a permission taken from the ClusterRole: Degraded=True naming the verb, resource and namespace', async () => {
    const ns = 'operator-rbac-removed';
    await namespaceWithSecrets(cluster, ns);
    const rules = (clusterRole.rules as { apiGroups: string[]; resources: string[] }[]).filter(
      (r) => !(r.apiGroups.includes('apps') && r.resources.includes('deployments')),
    );
    await cluster.kubectlOk(['apply', '-f', '-'], { input: yamlDocs([{ ...clusterRole, rules }]) });
    try {
      await api.create(aCollector(ns, 'denied'));
      await api.create(aService(ns, 'denied-signins', 'denied', 'signIns'));
      const degraded = await waitFor(
        'Degraded=True for the missing permission',
        async () => {
          const c = await api.collector(ns, 'denied');
          const d = c?.status?.conditions?.find((x) => x.type === 'Degraded');
          return d?.status === 'True' && /forbidden/.test(d.message) && d;
        },
        60_000,
        250,
      );
      assert.match(degraded.message, /deployments/);
      assert.match(
        degraded.message,
        new RegExp(`User "${OPERATOR_USER}" cannot \\w+ resource "deployments"`),
      );
      assert.match(degraded.message, new RegExp(`namespace "${ns}"`));
    } finally {
      await cluster.kubectlOk(['apply', '-f', '-'], { input: yamlDocs([clusterRole]) });
    }
  });

  describe('the collector runtime with its own ServiceAccount token', () => {
    const ns = 'runtime-rbac';
    let sim: GraphSimulator;
    let rx: RsyslogReceiver;
    const output: string[] = [];
    const pods: { stop(): void | Promise<void> }[] = [];

    before(async () => {
      const pki = await generateTestPki(join(dir, 'pki'));
      rx = await startRsyslogReceiver({ pki, dir: join(dir, 'rsyslog') });
      sim = await startGraphSimulator();
      sim.addRecords('signIns', 5, { from: Date.now() - 2 * HOUR, to: Date.now() - HOUR });
      await cluster.kubectlOk(['apply', '-f', '-'], {
        input: yamlDocs([
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
          ...(await simulatedGraphCollector({
            namespace: ns,
            name: 'rt',
            inputId: 'rt',
            pki,
            simUrl: sim.url,
            receiverPort: rx.port,
          })),
          aService(ns, 'rt-signins', 'rt', 'signIns', {
            startTimeInUtc: new Date(Date.now() - 3 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z'),
            requestPeriodSeconds: 60,
          }),
        ]),
      });
    });
    after(async () => {
      for (const p of pods) await p.stop();
      await sim?.close();
      await rx?.stop();
    });

    /** Runs the Deployment's container as a local process, authenticated with the pod's ServiceAccount. */
    async function startPod(podName: string) {
      const deployment = await waitFor('the Deployment', () => api.deployment(ns, 'rt'), 30_000, 200);
      const sa = deployment.spec!.template.spec!.serviceAccountName!;
      const token = await cluster.serviceAccountToken(ns, sa);
      const kubeconfig = await cluster.tokenUser(`${ns}-${sa}`, token);
      const run = podRunner({
        server: {
          getObject: async (_apiVersion, kind, name, namespace) => {
            const out = await cluster.kubectl([
              'get',
              kind.toLowerCase(),
              name,
              '-n',
              namespace,
              '-o',
              'json',
            ]);
            return out.code === 0 ? (JSON.parse(out.stdout) as JsonObject) : undefined;
          },
        },
        kubeconfig: kubeconfig.file,
        dir: join(dir, 'pods'),
        output,
      });
      const raw = JSON.parse(JSON.stringify(deployment)) as JsonObject;
      const pod = await run(raw, { podName, namespace: ns, index: 0, restartCount: 0 });
      pods.push(pod);
      return { pod, username: `system:serviceaccount:${ns}:${sa}` };
    }

    test('checkpoints in its ConfigMap and reports lastPullTime: zero 403s', async () => {
      await api.waitForCondition(ns, 'rt', 'ConfigValid', 'True');
      const { username } = await startPod('rt-pod-1');
      await waitFor(
        'a checkpoint in the state ConfigMap',
        async () => {
          const cm = await api.core.readNamespacedConfigMap({ name: 'rt-state', namespace: ns });
          return Object.keys(cm.data ?? {}).some((k) => k.endsWith('.signIns'));
        },
        60_000,
        250,
      ).catch((err: Error) =>
        assert.fail(`${err.message}\nruntime output:\n${output.slice(-30).join('\n')}`),
      );
      await waitFor(
        'status.lastPullTime from the runtime',
        async () => (await api.collector(ns, 'rt'))?.status?.lastPullTime,
        30_000,
        250,
      );
      const requests = (await cluster.auditEvents()).filter((e) => e.user.username === username);
      assert.ok(requests.length > 0, 'the runtime authenticated as its ServiceAccount');
      assert.deepEqual(await forbidden(username), []);
    });

    test('without write access to its state ConfigMap it fails with the error the README promises', async () => {
      for (const p of pods.splice(0)) await p.stop();
      // The operator would put its Role back; stop it first, then take the ConfigMap rule away.
      await operator?.stop('test: edit the Role by hand');
      operator = undefined;
      const role = JSON.parse(
        await cluster.kubectlOk(['get', 'role', 'rt-runtime', '-n', ns, '-o', 'json']),
      ) as {
        rules: { resources: string[] }[];
      };
      const rules = role.rules.filter((r) => !r.resources.includes('configmaps'));
      assert.ok(rules.length < role.rules.length, 'the Role had a ConfigMap rule');
      await cluster.kubectlOk([
        'patch',
        'role',
        'rt-runtime',
        '-n',
        ns,
        '--type=merge',
        '-p',
        JSON.stringify({ rules }),
      ]);
      output.length = 0;
      await startPod('rt-pod-2');
      const line = await waitFor(
        'the forbidden error',
        () => output.find((l) => l.includes('forbidden by RBAC')),
        60_000,
        250,
      ).catch((err: Error) =>
        assert.fail(`${err.message}\nruntime output:\n${output.slice(-30).join('\n')}`),
      );
      assert.match(
        line,
        /the collector's service account needs get, update and patch on configmaps named \\?"rt-state\\?" in namespace \\?"runtime-rbac\\?"/,
      );
    });
  });
});
