// The Collector and Service objects the operator tests create: a Graph audit Collector writing to Devo
// with the default Secrets, and a Service of it.
import { API_VERSION, type CollectorResource, type ServiceResource } from '../../operator/src/api/types.ts';

export function collectorResource(
  namespace: string,
  name: string,
  opts: {
    persistence?: 'ConfigMap' | 'PersistentVolumeClaim';
    credentials?: string;
    certificate?: string;
  } = {},
): CollectorResource {
  return {
    apiVersion: API_VERSION,
    kind: 'Collector',
    metadata: { name, namespace },
    spec: {
      source: 'microsoft_graph_audit',
      credentialsSecretRef: { name: opts.credentials ?? 'graph-credentials' },
      output: {
        address: 'collector-eu.devo.io',
        port: 443,
        certificateSecretRef: { name: opts.certificate ?? 'devo-certificate' },
      },
      persistence: { type: opts.persistence ?? 'ConfigMap' },
    },
  };
}

export function serviceResource(
  namespace: string,
  name: string,
  collector: string,
  service: string,
  spec: Partial<ServiceResource['spec']> = {},
): ServiceResource {
  return {
    apiVersion: API_VERSION,
    kind: 'Service',
    metadata: { name, namespace },
    spec: { collectorRef: { name: collector }, service, ...spec },
  };
}
