// A ClusterIP Service in front of the collector's metrics port, for Prometheus (ServiceMonitor) and
// for `kubectl port-forward`.
import type { V1Service } from '@kubernetes/client-node';
import type { CollectorResource } from '../api/types.ts';
import { childMetadata, childNames, selectorLabels } from './child-meta.ts';
import { METRICS_PORT } from './config-render.ts';

export const METRICS_PORT_NAME = 'metrics';

export function metricsService(collector: CollectorResource): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(collector, childNames(collector.metadata.name).metricsService),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(collector.metadata.name),
      ports: [
        { name: METRICS_PORT_NAME, port: METRICS_PORT, targetPort: METRICS_PORT_NAME, protocol: 'TCP' },
      ],
    },
  };
}
