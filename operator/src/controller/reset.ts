// Wiping one Service's checkpoint before its new settings roll out. ConfigMap persistence: remove the
// service's key (read, then replace with the resourceVersion precondition). PVC persistence: scale the
// Deployment to zero, wait for its pods to go, run a Job with a deterministic name that deletes the state
// file on the volume, wait for it to complete. Each call does what it can now and says how long to wait.
import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { GROUP, type CollectorResource, type ServiceResource } from '../api/types.ts';
import { apiMessageOf, isConflict, isNotFound, OperatorError } from '../errors.ts';
import type { KubeRest } from '../k8s/rest-client.ts';
import { COLLECTOR_LABEL, MANAGED_BY, ownerReference } from '../reconcile/child-meta.ts';
import type { StateLocation } from '../reconcile/state-store.ts';

export const RESET_JOB_LABEL = `${GROUP}/state-reset`;
const MAX_CONFLICT_RETRIES = 10;
const POLL_MS = 1000;

export type WipeOutcome = { done: true } | { done: false; waitMs: number; waitingFor: string };

export interface WipeDeps {
  rest: KubeRest;
  /** The current (cached) object, or undefined when it does not exist. */
  current: (obj: KubernetesObject) => KubernetesObject | undefined;
  apply: (obj: KubernetesObject) => Promise<void>;
  remove: (obj: KubernetesObject) => Promise<void>;
}

export interface WipeRequest {
  collector: CollectorResource;
  location: StateLocation;
  /** The desired Deployment: scaled to zero around a volume wipe; its pod settings carry over to the Job. */
  deployment: KubernetesObject | undefined;
  service: ServiceResource;
  key: string;
  fingerprint: string;
}

export async function wipeServiceState(deps: WipeDeps, req: WipeRequest): Promise<WipeOutcome> {
  switch (req.location.type) {
    case 'configmap':
      await removeStateKey(deps.rest, req.location.namespace, req.location.name, req.key);
      return { done: true };
    case 'pvc':
      return wipeOnVolume(deps, req, req.location);
  }
}

/** Removes `key` from the state ConfigMap; a missing ConfigMap or key means there is nothing to wipe. */
export async function removeStateKey(
  rest: KubeRest,
  namespace: string,
  name: string,
  key: string,
): Promise<boolean> {
  const path = await rest.pathOf('v1', 'ConfigMap', namespace, name);
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    let current: V1ConfigMap;
    try {
      current = await rest.get<V1ConfigMap>(path);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw new OperatorError(
        'OP_ERR_KUBE_API',
        `cannot read state ConfigMap ${namespace}/${name}: ${apiMessageOf(err)}`,
        {
          cause: err,
        },
      );
    }
    if (!current.data || !(key in current.data)) return false;
    const data = { ...current.data };
    delete data[key];
    try {
      // The body carries the resourceVersion we read: a runtime write in between makes this a 409.
      await rest.request('PUT', path, { body: { ...current, data } });
      return true;
    } catch (err) {
      if (isConflict(err)) continue;
      if (isNotFound(err)) return false;
      throw new OperatorError(
        'OP_ERR_KUBE_API',
        `cannot update state ConfigMap ${namespace}/${name}: ${apiMessageOf(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  throw new OperatorError(
    'OP_ERR_RESET_CONFLICT',
    `state ConfigMap ${namespace}/${name} changed ${MAX_CONFLICT_RETRIES} times while removing key ${key}`,
  );
}

async function wipeOnVolume(
  deps: WipeDeps,
  req: WipeRequest,
  location: Extract<StateLocation, { type: 'pvc' }>,
): Promise<WipeOutcome> {
  const deployment = req.deployment;
  const deploymentName = deployment?.metadata?.name ?? '';
  const current = deployment && (deps.current(deployment) as DeploymentLike | undefined);
  if (deployment && current) {
    if ((current.spec?.replicas ?? 1) !== 0) {
      await deps.apply(withReplicas(deployment, 0));
      return { done: false, waitMs: POLL_MS, waitingFor: `Deployment ${deploymentName} to scale to zero` };
    }
    const observed = current.status?.observedGeneration ?? 0;
    if (observed < (current.metadata?.generation ?? 0) || (current.status?.replicas ?? 0) > 0) {
      return { done: false, waitMs: POLL_MS, waitingFor: `the pods of Deployment ${deploymentName} to stop` };
    }
  }
  const job = resetJob(req, location);
  const running = deps.current(job) as JobLike | undefined;
  if (!running) {
    await deps.apply(job);
    return { done: false, waitMs: POLL_MS, waitingFor: `Job ${job.metadata?.name} to delete the state file` };
  }
  const conditions = running.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return { done: true };
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) {
    await deps.remove(running);
    throw new OperatorError(
      'OP_ERR_RESET_JOB_FAILED',
      `state-reset Job ${job.metadata?.name} failed to delete ${req.key}.json on PersistentVolumeClaim ${location.claimName}; retrying`,
    );
  }
  return { done: false, waitMs: POLL_MS, waitingFor: `Job ${job.metadata?.name} to delete the state file` };
}

interface PodSpecLike {
  containers?: { image?: string; imagePullPolicy?: string }[];
  [field: string]: unknown;
}

function podSpecOf(deployment: KubernetesObject | undefined): PodSpecLike {
  const spec = (deployment as { spec?: { template?: { spec?: PodSpecLike } } } | undefined)?.spec;
  return spec?.template?.spec ?? {};
}

interface DeploymentLike extends KubernetesObject {
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number };
}

interface JobLike extends KubernetesObject {
  status?: { conditions?: { type: string; status: string }[] };
}

function withReplicas(deployment: KubernetesObject, replicas: number): KubernetesObject {
  const d = deployment as DeploymentLike;
  return { ...d, spec: { ...d.spec, replicas } } as KubernetesObject;
}

/** Same collector, service and fingerprint → same name, so a restarted operator finds the Job it started. */
export function resetJobName(collector: string, service: string, fingerprint: string): string {
  const suffix = createHash('sha256').update(`${service}\0${fingerprint}`).digest('hex').slice(0, 10);
  return `${collector.slice(0, 46).replace(/[-.]+$/, '')}-reset-${suffix}`;
}

export function resetJob(
  req: WipeRequest,
  location: Extract<StateLocation, { type: 'pvc' }>,
): KubernetesObject {
  const collectorName = req.collector.metadata.name;
  const pod = podSpecOf(req.deployment);
  const main = (pod.containers?.[0] ?? {}) as { image?: string; imagePullPolicy?: string };
  const labels = {
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [COLLECTOR_LABEL]: collectorName,
    [RESET_JOB_LABEL]: req.service.metadata.name,
  };
  // Optional pod settings carried over so the Job lands where the volume can attach.
  const carried = Object.fromEntries(
    ['securityContext', 'nodeSelector', 'tolerations', 'affinity', 'imagePullSecrets', 'priorityClassName']
      .filter((k) => pod[k] !== undefined)
      .map((k) => [k, pod[k]]),
  );
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: resetJobName(collectorName, req.service.metadata.name, req.fingerprint),
      namespace: location.namespace,
      labels,
      annotations: { [`${GROUP}/state-key`]: req.key, [`${GROUP}/fingerprint`]: req.fingerprint },
      ownerReferences: [ownerReference(req.collector)],
    },
    spec: {
      backoffLimit: 3,
      ttlSecondsAfterFinished: 3600,
      template: {
        // Not the Deployment's selector labels: these pods must never count as collector replicas.
        metadata: {
          labels: {
            'app.kubernetes.io/name': 'devo-collector-state-reset',
            [COLLECTOR_LABEL]: collectorName,
          },
        },
        spec: {
          ...carried,
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'reset-state',
              image: main.image,
              ...(main.imagePullPolicy ? { imagePullPolicy: main.imagePullPolicy } : {}),
              // The runtime image has no shell or coreutils (only node): node removes the file.
              command: [
                'node',
                '-e',
                'require("node:fs").rmSync(process.argv[1], { force: true })',
                `${location.mountPath.replace(/\/+$/, '')}/${req.key}.json`,
              ],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'state', mountPath: location.mountPath }],
            },
          ],
          volumes: [{ name: 'state', persistentVolumeClaim: { claimName: location.claimName } }],
        },
      },
    },
  } as KubernetesObject;
}
