// The rendered config.yaml. It holds file paths for secrets, never their values: credentials and the
// Devo certificate stay in their Secrets and are mounted as files.
import { ApiObject, type Chart } from 'cdk8s';
import type { CollectorResource } from '../api/types.ts';
import { childMetadata, childNames } from './child-meta.ts';
import { CONFIG_FILE } from './config-render.ts';

export function addConfigMap(chart: Chart, collector: CollectorResource, configText: string): ApiObject {
  return new ApiObject(chart, 'config', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(collector, childNames(collector.metadata.name).configMap),
    data: { [CONFIG_FILE]: configText },
  });
}
