// The Helm chart with the real helm v4 and kubectl against a real API server: lint, a matrix of values whose
// every rendering the server accepts (server-side dry run), install and upgrade, then the operator running
// locally with the chart's own ServiceAccount token reconciling the Microsoft Graph example.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { startRealCluster, type RealCluster } from '../support/real-cluster/cluster.ts';
import {
  Api,
  certificateSecret,
  credentialsSecret,
  ROOT,
  runOperatorInProcess,
  waitFor,
  yamlDocs,
} from './support.ts';

const CHART = `${ROOT}charts/devo-collector-operator`;
const MONITORING_CRDS = `${ROOT}test/real-cluster/fixtures/monitoring-crds.yaml`;
const RELEASE_NS = 'devo-system';
const EXAMPLE_NS = 'devo-collectors';

interface Case {
  name: string;
  set: string[];
  /** helm template --api-versions: what `helm install` would find in a cluster with these CRDs. */
  apiVersions?: string[];
}

const MONITORING = [
  'monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1/ServiceMonitor',
  'monitoring.coreos.com/v1/PrometheusRule',
];
const MATRIX: Case[] = [
  { name: 'defaults (cluster-wide, CRDs on)', set: [] },
  { name: 'cluster-wide, CRDs off', set: ['crds.install=false'] },
  { name: 'namespaced, CRDs on', set: ['watchNamespaces={team-a,team-b}'] },
  {
    name: 'namespaced, CRDs off, no leader election',
    set: ['watchNamespaces={team-a}', 'crds.install=false', 'leaderElection.enabled=false'],
  },
  {
    name: 'cluster-wide, ServiceMonitor and alerts on',
    set: ['serviceMonitor.enabled=true', 'alerts.enabled=true', 'alerts.labels.release=prometheus'],
    apiVersions: MONITORING,
  },
  {
    name: 'namespaced, ServiceMonitor and alerts on, CRDs off',
    set: [
      'watchNamespaces={team-a}',
      'crds.install=false',
      'serviceMonitor.enabled=true',
      'alerts.enabled=true',
    ],
    apiVersions: MONITORING,
  },
];

function kinds(manifest: string): string[] {
  return parseAllDocuments(manifest)
    .map((d) => (d.toJS() as { kind?: string } | null)?.kind)
    .filter((k): k is string => Boolean(k));
}

describe('the Helm chart on a real API server', { timeout: 600_000 }, () => {
  let cluster: RealCluster;
  let api: Api;
  let operator: Awaited<ReturnType<typeof runOperatorInProcess>> | undefined;

  before(
    async () => {
      cluster = await startRealCluster();
      api = new Api(cluster.admin.kc);
      await cluster.kubectlOk(['apply', '-f', MONITORING_CRDS]);
      await cluster.kubectlOk([
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        'crd/servicemonitors.monitoring.coreos.com',
        'crd/prometheusrules.monitoring.coreos.com',
      ]);
      for (const ns of ['team-a', 'team-b', RELEASE_NS]) await cluster.kubectlOk(['create', 'namespace', ns]);
    },
    { timeout: 1_200_000 },
  );
  after(async () => {
    await operator?.stop('test done');
    await cluster?.stop();
  });

  /** `helm install|upgrade` of the chart as release `devo`, as a cluster without server-side apply takes it. */
  const helmRelease = (verb: 'install' | 'upgrade', ...flags: string[]) =>
    cluster.helm([
      verb,
      'devo',
      CHART,
      '--namespace',
      RELEASE_NS,
      '--server-side=false',
      '--disable-openapi-validation',
      ...flags,
    ]);

  test('helm lint --strict passes, with and without the optional parts', async () => {
    for (const set of [[], ['serviceMonitor.enabled=true', 'alerts.enabled=true', 'watchNamespaces={a}']]) {
      const r = await cluster.helm(['lint', '--strict', CHART, ...set.flatMap((s) => ['--set', s])]);
      assert.equal(r.code, 0, `${set.join(' ')}\n${r.stdout}${r.stderr}`);
    }
  });

  for (const c of MATRIX) {
    test(`helm template, ${c.name}: the server accepts every object (dry run)`, async () => {
      const args = [
        'template',
        'devo',
        CHART,
        '--namespace',
        RELEASE_NS,
        ...c.set.flatMap((s) => ['--set', s]),
      ];
      for (const v of c.apiVersions ?? []) args.push('--api-versions', v);
      const rendered = await cluster.helm(args);
      assert.equal(rendered.code, 0, rendered.stderr);
      const found = kinds(rendered.stdout);
      if (c.set.includes('alerts.enabled=true')) assert.ok(found.includes('PrometheusRule'), found.join());
      if (c.set.includes('serviceMonitor.enabled=true'))
        assert.ok(found.includes('ServiceMonitor'), found.join());
      const crds = !c.set.includes('crds.install=false');
      assert.equal(found.includes('CustomResourceDefinition'), crds);
      // kubectl 1.35's client-side schema check does not know a 1.20 server's CRD fields
      // (x-kubernetes-validations); the server's own validation is what this asserts.
      const r = await cluster.kubectl(
        ['apply', '--dry-run=server', ...(crds ? ['--validate=false'] : []), '-f', '-'],
        { input: rendered.stdout },
      );
      assert.equal(r.code, 0, `${c.name}:\n${r.stderr}`);
    });
  }

  test('helm install, then helm upgrade with monitoring on; the operator with the chart ServiceAccount reconciles the example', async () => {
    const install = await helmRelease('install');
    assert.equal(install.code, 0, install.stderr);
    await cluster.kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/collectors.collectors.devo.com',
    ]);
    const upgrade = await helmRelease(
      'upgrade',
      '--set',
      'serviceMonitor.enabled=true',
      '--set',
      'alerts.enabled=true',
      '--set',
      'logLevel=debug',
    );
    assert.equal(upgrade.code, 0, upgrade.stderr);
    const history = await cluster.helm(['history', 'devo', '--namespace', RELEASE_NS, '-o', 'json']);
    assert.deepEqual(
      (JSON.parse(history.stdout) as { revision: number; status: string }[]).map((h) => [
        h.revision,
        h.status,
      ]),
      [
        [1, 'superseded'],
        [2, 'deployed'],
      ],
    );
    const rules = await cluster.kubectlOk([
      'get',
      'prometheusrules,servicemonitors',
      '-n',
      RELEASE_NS,
      '-o',
      'name',
    ]);
    assert.match(rules, /prometheusrule/);
    assert.match(rules, /servicemonitor/);

    // The operator as the chart's ServiceAccount (what its pod would be), on this machine.
    const deployment = JSON.parse(
      await cluster.kubectlOk(['get', 'deployments', '-n', RELEASE_NS, '-o', 'json']),
    ) as { items: { spec: { template: { spec: { serviceAccountName: string } } } }[] };
    const sa = deployment.items[0]!.spec.template.spec.serviceAccountName;
    const token = await cluster.serviceAccountToken(RELEASE_NS, sa);
    const kubeconfig = await cluster.tokenUser(`helm-${sa}`, token);
    operator = await runOperatorInProcess(kubeconfig.file, [
      '--leader-elect',
      '--leader-election-namespace',
      RELEASE_NS,
    ]);

    await cluster.kubectlOk(['create', 'namespace', EXAMPLE_NS]);
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: yamlDocs([credentialsSecret(EXAMPLE_NS), certificateSecret(EXAMPLE_NS)]),
    });
    await cluster.kubectlOk([
      'apply',
      '-n',
      EXAMPLE_NS,
      '-f',
      `${ROOT}examples/microsoft-graph/collector.yaml`,
      '-f',
      `${ROOT}examples/microsoft-graph/services.yaml`,
    ]);
    const collectors = await waitFor('the example Collectors', async () => {
      const list = await api.collectors(EXAMPLE_NS);
      return list.length >= 2 && list;
    });
    for (const c of collectors) {
      await api.waitForCondition(EXAMPLE_NS, c.metadata.name, 'ConfigValid', 'True', 60_000);
      await api.waitForCondition(EXAMPLE_NS, c.metadata.name, 'SecretsFound', 'True', 60_000);
      await waitFor(
        `Deployment ${c.metadata.name}`,
        () => api.deployment(EXAMPLE_NS, c.metadata.name),
        30_000,
        200,
      );
    }
    const user = `system:serviceaccount:${RELEASE_NS}:${sa}`;
    const denied = (await cluster.auditEvents()).filter(
      (e) => e.user.username === user && e.responseStatus?.code === 403,
    );
    assert.deepEqual(
      denied.map((e) => `${e.verb} ${e.requestURI}`),
      [],
    );
  });
});
