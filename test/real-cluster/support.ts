// What the real-cluster tests share: the CRDs installed the way the README says, a namespace per test with
// the two Secrets a Collector references, builders for Collectors and Services, the operator started
// in-process through its CLI code (cli/run-command.ts) or as a child process, and reads straight from the
// API server.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Deployment,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { API_VERSION, type CollectorResource, type ServiceResource } from '../../operator/src/api/types.ts';
import { parseRunArgs, startOperator, type RunningOperator } from '../../operator/src/cli/run-command.ts';
import { readFile } from 'node:fs/promises';
import type { RealCluster } from '../support/real-cluster/cluster.ts';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_TENANT_ID } from '../simulators/graph/server.ts';
import type { TestPki } from '../support/tls-certs.ts';
import { waitFor } from '../support/wait.ts';
import { operatorRunFlags } from '../support/operator-flags.ts';
import { collectorResource, serviceResource } from '../support/operator-resources.ts';

export { waitFor };
export const ROOT = new URL('../../', import.meta.url).pathname;
export const OPERATOR_MAIN = `${ROOT}operator/src/cli/main.ts`;
export const RUNTIME_IMAGE = 'registry.test/devo-collector-runtime:test';
const GROUP = 'collectors.devo.com';

/** The README's way for Kubernetes before 1.25 (see "Supported Kubernetes versions"). */
export async function installCrds(cluster: RealCluster): Promise<string> {
  const out = await cluster.kubectlOk(['apply', '--validate=false', '-f', `${ROOT}crds/`]);
  await cluster.kubectlOk([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    `crd/collectors.${GROUP}`,
    `crd/services.${GROUP}`,
  ]);
  return out;
}

export function yamlDocs(objects: object[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n');
}

/** A namespace with the credentials and certificate Secrets the builders reference. */
export async function namespaceWithSecrets(cluster: RealCluster, namespace: string): Promise<void> {
  await cluster.kubectlOk(['apply', '-f', '-'], {
    input: yamlDocs([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      credentialsSecret(namespace),
      certificateSecret(namespace),
    ]),
  });
}

export function credentialsSecret(namespace: string, name = 'graph-credentials') {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'Opaque',
    stringData: { tenant_id: 'tenant-1', client_id: 'client-1', client_secret: 'not-a-real-secret' },
  };
}

export function certificateSecret(namespace: string, serial = '1', name = 'devo-certificate') {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'kubernetes.io/tls',
    stringData: {
      'tls.crt': `-----BEGIN CERTIFICATE-----\nserial-${serial}\n-----END CERTIFICATE-----\n`,
      'tls.key': `-----BEGIN PRIVATE KEY-----\nkey-${serial}\n-----END PRIVATE KEY-----\n`,
      'ca.crt': '-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n',
    },
  };
}

/**
 * What a real runtime needs to pull from the Graph simulator and send to the rsyslog receiver: the
 * simulator's credentials, the receiver's client certificate, and a Collector with ConfigMap state
 * pointing at both.
 */
export async function simulatedGraphCollector(o: {
  namespace: string;
  name: string;
  inputId: string;
  pki: TestPki;
  simUrl: string;
  receiverPort: number;
}): Promise<object[]> {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'graph-credentials', namespace: o.namespace },
      stringData: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'devo-certificate', namespace: o.namespace },
      stringData: {
        'chain.crt': await readFile(o.pki.caCert, 'utf8'),
        'cert.crt': await readFile(o.pki.clientCert, 'utf8'),
        'key.key': await readFile(o.pki.clientKey, 'utf8'),
      },
    },
    {
      apiVersion: API_VERSION,
      kind: 'Collector',
      metadata: { name: o.name, namespace: o.namespace },
      spec: {
        source: 'microsoft_graph_audit',
        inputId: o.inputId,
        credentialsSecretRef: { name: 'graph-credentials' },
        settings: { override_base_url: o.simUrl, override_login_url: o.simUrl },
        output: {
          address: '127.0.0.1',
          port: o.receiverPort,
          certificateSecretRef: { name: 'devo-certificate' },
        },
        persistence: { type: 'ConfigMap' },
      },
    },
  ];
}

export function aCollector(
  namespace: string,
  name: string,
  persistence: 'ConfigMap' | 'PersistentVolumeClaim' = 'ConfigMap',
): CollectorResource {
  return collectorResource(namespace, name, { persistence });
}

export { serviceResource as aService };

/** Typed reads and writes as the admin, for what the tests check and change behind the operator's back. */
export class Api {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.batch = kc.makeApiClient(BatchV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async create(obj: CollectorResource | ServiceResource): Promise<void> {
    await this.custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: obj.metadata.namespace!,
      plural: obj.kind === 'Collector' ? 'collectors' : 'services',
      body: obj,
    });
  }

  async collector(namespace: string, name: string): Promise<CollectorResource | undefined> {
    return (await this.custom
      .getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace, plural: 'collectors', name })
      .catch(notFound)) as CollectorResource | undefined;
  }

  async collectors(namespace: string): Promise<CollectorResource[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace,
      plural: 'collectors',
    })) as { items: CollectorResource[] };
    return list.items;
  }

  async patchSpec(
    kind: 'Collector' | 'Service',
    namespace: string,
    name: string,
    spec: Record<string, unknown>,
  ): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: 'v1alpha1',
        namespace,
        plural: kind === 'Collector' ? 'collectors' : 'services',
        name,
        body: { spec },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async deleteCollector(namespace: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace,
      plural: 'collectors',
      name,
    });
  }

  /** Waits until status describes the current generation and condition `type` has `status`. */
  async waitForCondition(namespace: string, name: string, type: string, status: string, timeoutMs = 30_000) {
    return waitFor(
      `Collector ${namespace}/${name} ${type}=${status}`,
      async () => {
        const c = await this.collector(namespace, name);
        const cond = c?.status?.conditions?.find((x) => x.type === type);
        return c?.status?.observedGeneration === c?.metadata.generation && cond?.status === status && c;
      },
      timeoutMs,
      200,
    );
  }

  async deployment(namespace: string, name: string): Promise<V1Deployment | undefined> {
    return this.apps.readNamespacedDeployment({ name, namespace }).catch(notFound);
  }

  /** The ReplicaSets the controller-manager made for Deployment `name`. */
  async replicaSets(namespace: string, name: string): Promise<V1ReplicaSet[]> {
    const list = await this.apps.listNamespacedReplicaSet({ namespace });
    return list.items.filter((rs) =>
      rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === name),
    );
  }

  async events(namespace: string, reason: string, involved?: string) {
    const list = await this.core.listNamespacedEvent({ namespace });
    return list.items.filter(
      (e) => e.reason === reason && (involved === undefined || e.involvedObject.name === involved),
    );
  }
}

function notFound(err: unknown): undefined {
  if ((err as { code?: number }).code === 404) return undefined;
  throw err;
}

/** The operator's `run` command code in this process, with the given kubeconfig; stop it in t.after. */
export async function runOperatorInProcess(
  kubeconfig: string,
  args: string[] = [],
): Promise<RunningOperator & { logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const opts = parseRunArgs(operatorRunFlags(kubeconfig, '--runtime-image', RUNTIME_IMAGE, ...args), {});
  if ('help' in opts) throw new Error('unexpected --help');
  const sink = { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) };
  const level = process.env.OPERATOR_TEST_LOG ?? 'info';
  const log = pino(
    { level, base: undefined },
    process.env.OPERATOR_TEST_LOG
      ? pino.multistream([
          { stream: sink, level: 'trace' },
          { stream: process.stderr, level: 'trace' },
        ])
      : sink,
  );
  const running = await startOperator(opts, { log, env: {} });
  return Object.assign(running, { logs });
}

export interface OperatorProcess {
  readonly child: ChildProcess;
  readonly logs: Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** `devo-collector-operator run` as a child process (for SIGKILL and leader-election hand-over). */
export function spawnOperator(kubeconfig: string, args: string[] = []): OperatorProcess {
  const child = spawn(
    process.execPath,
    [OPERATOR_MAIN, 'run', ...operatorRunFlags(kubeconfig, '--runtime-image', RUNTIME_IMAGE, ...args)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH } },
  );
  const logs: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not JSON
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    logs,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
