// The rendered config.yaml. It holds file paths for secrets, never their values: credentials and the
// Devo certificate stay in their Secrets and are mounted as files.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { CollectorResource } from '../api/types.ts';
import { childMetadata, childNames } from './child-meta.ts';
import { CONFIG_FILE } from './config-render.ts';

export function configMap(collector: CollectorResource, configText: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(collector, childNames(collector.metadata.name).configMap),
    data: { [CONFIG_FILE]: configText },
  };
}
