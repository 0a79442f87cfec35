// Test harness for the controller: a KubeApiTestServer with the generated CRDs installed, the real
// client-node, builders for Collectors, Services and Secrets, and a controller that can be stopped and
// started again (an operator restart) against the same server.
import { waitFor } from '../../support/wait.ts';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { parse } from 'yaml';
import {
  API_VERSION,
  type CollectorResource,
  type ServiceResource,
} from '../../../operator/src/api/types.ts';
import {
  CollectorController,
  type CollectorControllerOptions,
} from '../../../operator/src/controller/collector-controller.ts';
import { FIELD_MANAGER } from '../../../operator/src/k8s/apply.ts';
import { createKubeClients } from '../../../operator/src/k8s/client.ts';
import { createOperatorMetrics } from '../../../operator/src/metrics.ts';
import { desiredState } from '../../../operator/src/reconcile/desired-state.ts';
import type { JsonObject } from '../../support/kube-api-server/json-value.ts';
import { startKubeApiTestServer, type KubeApiTestServer } from '../../support/kube-api-server/server.ts';
import type { ControllerOptions } from '../../support/kube-api-server/controllers.ts';
import { collectorResource, serviceResource } from '../../support/operator-resources.ts';

export const NAMESPACE = 'devo';
export const RUNTIME_IMAGE = 'registry.test/devo-collector-runtime:test';
const CRD_DIR = new URL('../../../crds/', import.meta.url).pathname;

/** pino to nowhere unless OPERATOR_TEST_LOG=debug|info is set. */
export function testLogger(): Logger {
  const level = process.env.OPERATOR_TEST_LOG;
  return level ? pino({ level, base: undefined }) : pino({ level: 'silent' });
}

export { waitFor };

export class OperatorHarness {
  readonly server: KubeApiTestServer;
  readonly kc: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  controller: CollectorController | undefined;
  #workloads: { stop(): Promise<void> } | undefined;

  private constructor(server: KubeApiTestServer) {
    this.server = server;
    this.kc = server.makeKubeConfig(NAMESPACE);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.core = this.kc.makeApiClient(CoreV1Api);
  }

  /** `withoutCelRules`: install the CRDs the way an API server before 1.25 keeps them, CEL rules dropped. */
  static async start(
    opts: { workloads?: ControllerOptions; withoutCelRules?: boolean } = {},
  ): Promise<OperatorHarness> {
    const server = await startKubeApiTestServer();
    for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'))) {
      const crd = readFileSync(join(CRD_DIR, file), 'utf8');
      server.createObject(
        JSON.parse(JSON.stringify(parse(crd)), (key, value: unknown) =>
          opts.withoutCelRules && key === 'x-kubernetes-validations' ? undefined : value,
        ) as JsonObject,
      );
    }
    server.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    const harness = new OperatorHarness(server);
    harness.#workloads = server.runControllers(opts.workloads ?? {});
    return harness;
  }

  async startController(overrides: Partial<CollectorControllerOptions> = {}): Promise<CollectorController> {
    const controller = new CollectorController({
      clients: createKubeClients(this.kc),
      log: testLogger(),
      metrics: createOperatorMetrics(),
      settings: { runtimeImage: RUNTIME_IMAGE, fieldManager: FIELD_MANAGER },
      desiredState,
      namespaces: [NAMESPACE],
      informerBackoff: { initialMs: 50, maxMs: 500 },
      ...overrides,
    });
    await controller.start();
    this.controller = controller;
    return controller;
  }

  async stopController(): Promise<void> {
    await this.controller?.stop(5000);
    this.controller = undefined;
  }

  async close(): Promise<void> {
    await this.stopController();
    await this.#workloads?.stop();
    await this.server.close();
  }

  // ---- reads (straight from the server's store: what is there, not what the operator thinks) ----

  get(apiVersion: string, kind: string, name: string): JsonObject | undefined {
    return this.server.getObject(apiVersion, kind, name, NAMESPACE);
  }

  collector(name: string): CollectorResource | undefined {
    return this.get(API_VERSION, 'Collector', name) as unknown as CollectorResource | undefined;
  }

  service(name: string): ServiceResource | undefined {
    return this.get(API_VERSION, 'Service', name) as unknown as ServiceResource | undefined;
  }

  condition(
    name: string,
    type: string,
  ): { status: string; reason: string; message: string; lastTransitionTime: string } | undefined {
    return this.collector(name)?.status?.conditions?.find((c) => c.type === type);
  }

  /** Waits until status reflects the current generation and `type` has `status`. */
  async waitForCondition(name: string, type: string, status: string, timeoutMs = 10_000) {
    return waitFor(
      `Collector ${name} ${type}=${status}`,
      () => {
        const c = this.collector(name);
        const cond = c?.status?.conditions?.find((x) => x.type === type);
        return c?.status?.observedGeneration === c?.metadata.generation && cond?.status === status && cond;
      },
      timeoutMs,
    );
  }

  events(reason?: string): JsonObject[] {
    return this.server
      .listObjects('v1', 'Event', NAMESPACE)
      .filter((e) => reason === undefined || e.reason === reason);
  }

  // ---- writes through the real client ----

  /** The Secrets aCollector() names by default: the source credentials and the Devo certificate. */
  async createDefaultSecrets(): Promise<void> {
    await this.create(credentialsSecret());
    await this.create(certificateSecret());
  }

  async create(obj: Record<string, unknown>): Promise<void> {
    const kind = String(obj.kind);
    if (obj.apiVersion === API_VERSION) {
      await this.custom.createNamespacedCustomObject({
        group: 'collectors.devo.com',
        version: 'v1alpha1',
        namespace: NAMESPACE,
        plural: kind === 'Collector' ? 'collectors' : 'services',
        body: obj,
      });
    } else if (kind === 'Secret') {
      await this.core.createNamespacedSecret({ namespace: NAMESPACE, body: obj });
    } else if (kind === 'ConfigMap') {
      await this.core.createNamespacedConfigMap({ namespace: NAMESPACE, body: obj });
    } else throw new Error(`create: unsupported kind ${kind}`);
  }

  /** JSON merge patch of a Collector or Service spec (as `kubectl patch --type merge` would send). */
  async patchSpec(kind: 'Collector' | 'Service', name: string, spec: Record<string, unknown>): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        group: 'collectors.devo.com',
        version: 'v1alpha1',
        namespace: NAMESPACE,
        plural: kind === 'Collector' ? 'collectors' : 'services',
        name,
        body: { spec },
      },
      mergePatch(),
    );
  }

  async replaceSecretData(name: string, stringData: Record<string, string>): Promise<void> {
    const current = await this.core.readNamespacedSecret({ name, namespace: NAMESPACE });
    const data = Object.fromEntries(
      Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    await this.core.replaceNamespacedSecret({ name, namespace: NAMESPACE, body: { ...current, data } });
  }

  async deleteCollector(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({
      group: 'collectors.devo.com',
      version: 'v1alpha1',
      namespace: NAMESPACE,
      plural: 'collectors',
      name,
    });
  }
}

function mergePatch() {
  return setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
}

// ---- builders ----

export function aCollector(
  name: string,
  opts: Parameters<typeof collectorResource>[2] = {},
): CollectorResource {
  return collectorResource(NAMESPACE, name, opts);
}

export function aService(
  name: string,
  collector: string,
  service: string,
  spec: Partial<ServiceResource['spec']> = {},
): ServiceResource {
  return serviceResource(NAMESPACE, name, collector, service, spec);
}

export function credentialsSecret(
  name = 'graph-credentials',
  values: Record<string, string> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE },
    type: 'Opaque',
    stringData: {
      tenant_id: 'tenant-1',
      client_id: 'client-1',
      client_secret: 'not-a-real-secret',
      ...values,
    },
  };
}

export function certificateSecret(name = 'devo-certificate', serial = '1'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE },
    type: 'kubernetes.io/tls',
    stringData: {
      'tls.crt': `-----BEGIN CERTIFICATE-----\nserial-${serial}\n-----END CERTIFICATE-----\n`,
      'tls.key': `-----BEGIN PRIVATE KEY-----\nkey-${serial}\n-----END PRIVATE KEY-----\n`,
      'ca.crt': '-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n',
    },
  };
}
