// What the informer caches keep of each watched object: only the fields the controller reads. At a
// thousand Collectors the caches are most of the operator's memory (state ConfigMaps alone can hold
// hundreds of KiB of checkpoints each), so everything else is dropped as objects arrive.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function meta(
  m: V1ObjectMeta | undefined,
  extra: { labels?: boolean; annotations?: boolean } = {},
): V1ObjectMeta {
  const out: V1ObjectMeta = {
    name: m?.name,
    namespace: m?.namespace,
    uid: m?.uid,
    resourceVersion: m?.resourceVersion,
  };
  if (m?.generation !== undefined) out.generation = m.generation;
  if (m?.deletionTimestamp) out.deletionTimestamp = m.deletionTimestamp;
  if (m?.ownerReferences) out.ownerReferences = m.ownerReferences;
  if (extra.labels && m?.labels) out.labels = m.labels;
  if (extra.annotations && m?.annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = m.annotations;
    if (Object.keys(rest).length > 0) out.annotations = rest;
  }
  return out;
}

/** Collectors: identity, generation and the Secret names (the reconcile reads the Collector itself fresh). */
export function trimCollector(obj: KubernetesObject): KubernetesObject {
  const spec = (
    obj as { spec?: { credentialsSecretRef?: unknown; output?: { certificateSecretRef?: unknown } } }
  ).spec;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: meta(obj.metadata),
    spec: {
      credentialsSecretRef: spec?.credentialsSecretRef,
      output: { certificateSecretRef: spec?.output?.certificateSecretRef },
    },
  } as KubernetesObject;
}

/** Services: everything desiredState and the status writer read (spec, status, labels, annotations). */
export function trimService(obj: KubernetesObject): KubernetesObject {
  const { spec, status } = obj as { spec?: unknown; status?: unknown };
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: meta(obj.metadata, { labels: true, annotations: true }),
    spec,
    status,
  } as KubernetesObject;
}

/** Children: existence and ownership; Deployments and Jobs also their replicas and status. */
export function trimChild(obj: KubernetesObject): KubernetesObject {
  const out: KubernetesObject & { spec?: unknown; status?: unknown } = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: meta(obj.metadata, { labels: true }),
  };
  const full = obj as { spec?: { replicas?: number }; status?: unknown };
  if (obj.kind === 'Deployment') {
    out.spec = { replicas: full.spec?.replicas };
    out.status = full.status;
  } else if (obj.kind === 'Job') {
    out.status = full.status;
  }
  return out;
}
