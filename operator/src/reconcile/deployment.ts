// The collector pod: one replica with the Recreate strategy (a checkpoint must never have two writers),
// hardened (non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp), with the
// seeds' Docker layout mounted from the config ConfigMap, the two Secrets and the state volume.
import type {
  V1Deployment,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
  V1Affinity,
  V1ResourceRequirements,
} from '@kubernetes/client-node';
import type { CollectorResource } from '../api/types.ts';
import {
  CONFIG_HASH_ANNOTATION,
  childMetadata,
  childNames,
  collectorLabels,
  selectorLabels,
} from './child-meta.ts';
import { CONFIG_FILE, METRICS_PORT, RUNTIME_DIRS, RUNTIME_HOME } from './config-render.ts';
import type { OperatorSettings, SecretView } from './contract.ts';
import { METRICS_PORT_NAME } from './metrics-service.ts';
import { certificateItems } from './secret-layout.ts';
import { usesVolume } from './state-store.ts';

export const RUNTIME_UID = 10001;
export const CONTAINER_NAME = 'collector';
/** Secret files readable by the runtime's group (fsGroup) only. */
const SECRET_FILE_MODE = 0o440;

export interface DeploymentInput {
  collector: CollectorResource;
  settings: OperatorSettings;
  certificate: SecretView | undefined;
  configHash: string;
}

export function deployment(input: DeploymentInput): V1Deployment {
  const { collector, settings, certificate, configHash } = input;
  const { spec, metadata } = collector;
  const names = childNames(metadata.name);
  const volume = usesVolume(collector);

  const volumes: V1Volume[] = [
    { name: 'config', configMap: { name: names.configMap } },
    {
      name: 'certs',
      secret: {
        secretName: spec.output.certificateSecretRef.name,
        items: certificateItems(certificate),
        defaultMode: SECRET_FILE_MODE,
      },
    },
    {
      name: 'credentials',
      secret: { secretName: spec.credentialsSecretRef.name, defaultMode: SECRET_FILE_MODE },
    },
    { name: 'tmp', emptyDir: {} },
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'config', mountPath: RUNTIME_DIRS.config, readOnly: true },
    { name: 'certs', mountPath: RUNTIME_DIRS.certs, readOnly: true },
    { name: 'credentials', mountPath: RUNTIME_DIRS.credentials, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (volume) {
    volumes.push({ name: 'state', persistentVolumeClaim: { claimName: names.state } });
    mounts.push({ name: 'state', mountPath: RUNTIME_DIRS.state });
  }

  const probe = (path: string, period: number) => ({
    httpGet: { path, port: METRICS_PORT_NAME },
    periodSeconds: period,
    timeoutSeconds: 5,
    failureThreshold: 3,
  });

  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(collector, names.deployment),
    spec: {
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selectorLabels(metadata.name) },
      template: {
        metadata: {
          labels: collectorLabels(metadata.name),
          annotations: { [CONFIG_HASH_ANNOTATION]: configHash },
        },
        spec: {
          serviceAccountName: names.serviceAccount,
          // The runtime reports status.lastPullTime (and, without a volume, keeps its state in a ConfigMap);
          // its Role allows nothing else.
          automountServiceAccountToken: true,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUNTIME_UID,
            runAsGroup: RUNTIME_UID,
            fsGroup: RUNTIME_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image ?? settings.runtimeImage,
              imagePullPolicy: spec.imagePullPolicy,
              args: ['run'],
              env: [
                { name: 'CONFIG_FILE', value: CONFIG_FILE },
                { name: 'DEVO_COLLECTOR_HOME', value: RUNTIME_HOME },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ],
              ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: 'TCP' }],
              livenessProbe: { ...probe('/healthz', 20), initialDelaySeconds: 10 },
              readinessProbe: probe('/readyz', 10),
              resources: spec.resources as V1ResourceRequirements | undefined,
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: mounts,
            },
          ],
          volumes,
          imagePullSecrets: spec.imagePullSecrets,
          nodeSelector: spec.nodeSelector,
          tolerations: spec.tolerations as V1Toleration[] | undefined,
          affinity: spec.affinity as V1Affinity | undefined,
          priorityClassName: spec.priorityClassName,
          // Lets the runtime flush and checkpoint (its shutdown_timeout_seconds defaults to 30).
          terminationGracePeriodSeconds: 45,
        },
      },
    },
  };
}
