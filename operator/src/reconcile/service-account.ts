// The collector's own identity. Its token is mounted only where the runtime talks to the API server
// (ConfigMap persistence); the Deployment decides that per pod.
import { ApiObject, type Chart } from 'cdk8s';
import type { CollectorResource } from '../api/types.ts';
import { childMetadata, childNames } from './child-meta.ts';

export function addServiceAccount(chart: Chart, collector: CollectorResource): ApiObject {
  return new ApiObject(chart, 'service-account', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMetadata(collector, childNames(collector.metadata.name).serviceAccount),
    automountServiceAccountToken: false,
  });
}
