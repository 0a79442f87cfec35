// The collector's own identity. Its token is mounted only where the runtime talks to the API server
// (ConfigMap persistence); the Deployment decides that per pod.
import type { V1ServiceAccount } from '@kubernetes/client-node';
import type { CollectorResource } from '../api/types.ts';
import { childMetadata, childNames } from './child-meta.ts';

export function serviceAccount(collector: CollectorResource): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMetadata(collector, childNames(collector.metadata.name).serviceAccount),
    automountServiceAccountToken: false,
  };
}
