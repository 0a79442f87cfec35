// Where a Collector's runtime keeps its checkpoints, read from the desired objects (the state ConfigMap or
// PVC and the Deployment that mounts it) and the rendered config.yaml (the input id in each state key),
// so the operator wipes exactly what the runtime reads.
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { stateKey } from '../../../collector-runtime/src/state/store.ts';
import type { CollectorResource, ServiceResource } from '../api/types.ts';
import { childNames } from '../reconcile/child-meta.ts';
import type { DesiredState } from '../reconcile/contract.ts';

export type StateLocation =
  | { type: 'configmap'; namespace: string; name: string }
  | { type: 'pvc'; namespace: string; claimName: string; mountPath: string; deployment: KubernetesObject }
  | { type: 'none' };

interface PodSpecLike {
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  containers?: { volumeMounts?: { name: string; mountPath: string }[] }[];
}

function find(desired: DesiredState, kind: string, name?: string): KubernetesObject | undefined {
  return desired.objects.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}

export function podSpecOf(deployment: KubernetesObject): PodSpecLike & Record<string, unknown> {
  const spec = (deployment as { spec?: { template?: { spec?: PodSpecLike & Record<string, unknown> } } })
    .spec;
  return spec?.template?.spec ?? {};
}

export function stateLocation(collector: CollectorResource, desired: DesiredState): StateLocation {
  const namespace = collector.metadata.namespace ?? 'default';
  const names = childNames(collector.metadata.name);
  const deployment = find(desired, 'Deployment');
  const claim = find(desired, 'PersistentVolumeClaim');
  if (claim && deployment) {
    const claimName = claim.metadata?.name ?? names.state;
    const pod = podSpecOf(deployment);
    const volume = pod.volumes?.find((v) => v.persistentVolumeClaim?.claimName === claimName);
    const mount = pod.containers
      ?.flatMap((c) => c.volumeMounts ?? [])
      .find((m) => volume !== undefined && m.name === volume.name);
    return {
      type: 'pvc',
      namespace,
      claimName,
      mountPath: mount?.mountPath ?? '/devo-collector/state',
      deployment,
    };
  }
  const stateMap = find(desired, 'ConfigMap', names.state);
  if (stateMap) return { type: 'configmap', namespace, name: stateMap.metadata?.name ?? names.state };
  return { type: 'none' };
}

/** The runtime's key for one Service's checkpoint: `<input>.<input id>.<service>`. */
export function serviceStateKey(
  collector: CollectorResource,
  desired: DesiredState,
  service: ServiceResource,
): string {
  return stateKey(collector.spec.source, renderedInputId(collector, desired), service.spec.service);
}

function renderedInputId(collector: CollectorResource, desired: DesiredState): string {
  const configMap = find(desired, 'ConfigMap', childNames(collector.metadata.name).configMap) as
    (KubernetesObject & { data?: Record<string, string> }) | undefined;
  const text = configMap?.data?.['config.yaml'];
  if (text) {
    try {
      const doc = parse(text) as { inputs?: Record<string, { id?: unknown }> } | null;
      const id = doc?.inputs?.[collector.spec.source]?.id;
      if (typeof id === 'string' || typeof id === 'number') return String(id);
    } catch {
      // Fall through to the CR's own value; the render produced this text, so this should not happen.
    }
  }
  return collector.spec.inputId ?? collector.metadata.name;
}
