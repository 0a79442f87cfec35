// Builders for reconcile inputs: a valid Collector with Services and the Secrets it names, each easy to
// bend one way per test.
import { createHash } from 'node:crypto';
import type {
  CollectorResource,
  CollectorSpec,
  ServiceResource,
  ServiceSpec,
} from '../../../operator/src/api/types.ts';
import type { ReconcileInput, SecretView } from '../../../operator/src/reconcile/contract.ts';

/** A secret value that must never show up in any object, condition or message. */
export const SENTINEL = 'S3nt1nel~client-secret-value-0042';
/** 2025-06-01T00:00:00Z: tests never depend on the real clock. */
export const NOW = Date.parse('2025-06-01T00:00:00Z');
export const NAMESPACE = 'sec';

export function aCollector(spec: Partial<CollectorSpec> = {}, name = 'graph-audit'): CollectorResource {
  return {
    apiVersion: 'collectors.devo.com/v1alpha1',
    kind: 'Collector',
    metadata: { name, namespace: NAMESPACE, uid: '7a1c1e1e-0000-4000-8000-000000000001', generation: 3 },
    spec: {
      source: 'microsoft_graph_audit',
      credentialsSecretRef: { name: 'graph-credentials' },
      output: { address: 'collector-eu.devo.io', certificateSecretRef: { name: 'devo-certificate' } },
      ...spec,
    },
  };
}

export function aService(
  name: string,
  spec: Partial<ServiceSpec> = {},
  collector = 'graph-audit',
): ServiceResource {
  return {
    apiVersion: 'collectors.devo.com/v1alpha1',
    kind: 'Service',
    metadata: { name, namespace: NAMESPACE, generation: 1 },
    spec: { collectorRef: { name: collector }, service: 'signIns', ...spec },
  };
}

/** A view as the controller builds it: key names and a content hash, never the values. */
export function aSecret(name: string, data: Record<string, string>, type?: string): SecretView {
  const keys = Object.keys(data).sort();
  const hash = createHash('sha256');
  for (const k of keys) hash.update(`${k}\0${data[k]}\0`);
  return { name, exists: true, keys, hash: hash.digest('hex'), type };
}

export function credentials(secret = SENTINEL): SecretView {
  return aSecret('graph-credentials', { tenant_id: 'tenant', client_id: 'client', client_secret: secret });
}

export function tlsCertificate(version = 'v1'): SecretView {
  return aSecret(
    'devo-certificate',
    { 'tls.crt': `CERT ${version}`, 'tls.key': `KEY ${version}`, 'ca.crt': 'CHAIN' },
    'kubernetes.io/tls',
  );
}

export function anInput(overrides: Partial<ReconcileInput> = {}): ReconcileInput {
  return {
    collector: aCollector(),
    services: [
      aService('sign-ins', { startTimeInUtc: '2025-01-01T00:00:00Z' }),
      aService('directory-audits', { service: 'directory_audits', requestPeriodSeconds: 600 }),
    ],
    secrets: { 'graph-credentials': credentials(), 'devo-certificate': tlsCertificate() },
    settings: {
      runtimeImage: 'registry.example/devo-collector:1.2.3',
      fieldManager: 'devo-collector-operator',
    },
    now: NOW,
    ...overrides,
  };
}
