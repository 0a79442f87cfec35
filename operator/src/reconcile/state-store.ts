// Where checkpoints live. ConfigMap: created empty here and written by the runtime (one key per service);
// the operator never sets `data`, so server-side apply leaves the runtime's keys alone. PVC: a RWO volume
// for the filesystem store, which is why the Deployment is single-replica with the Recreate strategy.
import type { V1ConfigMap, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { CollectorResource } from '../api/types.ts';
import { childMetadata, childNames } from './child-meta.ts';
import { RUNTIME_DIRS } from './config-render.ts';
import { effectivePersistence } from './persistence.ts';

export const DEFAULT_STATE_SIZE = '1Gi';

/** Where the runtime keeps a Collector's checkpoints: what a state reset wipes. */
export type StateLocation =
  | { type: 'configmap'; namespace: string; name: string }
  | { type: 'pvc'; namespace: string; claimName: string; mountPath: string };

export function stateLocation(collector: CollectorResource): StateLocation {
  const namespace = collector.metadata.namespace ?? 'default';
  const name = childNames(collector.metadata.name).state;
  return usesVolume(collector)
    ? { type: 'pvc', namespace, claimName: name, mountPath: RUNTIME_DIRS.state }
    : { type: 'configmap', namespace, name };
}

export function usesVolume(collector: CollectorResource): boolean {
  return effectivePersistence(collector) === 'PersistentVolumeClaim';
}

export function stateStore(collector: CollectorResource): V1ConfigMap | V1PersistentVolumeClaim {
  const metadata = childMetadata(collector, childNames(collector.metadata.name).state);
  if (!usesVolume(collector)) return { apiVersion: 'v1', kind: 'ConfigMap', metadata };
  // Unset spec.persistence (the source's default) takes the default size and storage class.
  const persistence = collector.spec.persistence;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata,
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: persistence?.size ?? DEFAULT_STATE_SIZE } },
      storageClassName: persistence?.storageClassName,
    },
  };
}
