// The Collector and Service custom resources (collectors.devo.com/v1alpha1) as TypeScript types.
// The JSON schemas in collector-crd.ts / service-crd.ts are the single source for the CRDs; these types
// mirror them (test/operator/api/crd-schema.test.ts checks the two agree on field names).

export const GROUP = 'collectors.devo.com';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  finalizers?: string[];
}

export interface SecretKeyRef {
  name: string;
}

export interface CollectorSpec {
  /** The config.yaml input key, e.g. microsoft_graph_audit. */
  source: string;
  /** The config.yaml input id (short unique id); defaults to the Collector's name. */
  inputId?: string;
  enabled?: boolean;
  debug?: boolean;
  environment?: string;
  requestsPerSecond?: number;
  /** Secret holding the source credentials under config.yaml's field names (tenant_id, client_id, client_secret…). */
  credentialsSecretRef: SecretKeyRef;
  /** Input-level settings in config.yaml's names (override_top_level_domain, override_base_url…). */
  settings?: Record<string, unknown>;
  output: {
    address: string;
    port?: number;
    /** Secret with the Devo chain/cert/key: kubernetes.io/tls (tls.crt, tls.key, ca.crt) or chain.crt/cert.crt/key.key. */
    certificateSecretRef: SecretKeyRef;
    verifyHostname?: boolean;
  };
  /** Unset: the source's default (PersistentVolumeClaim for office365, else ConfigMap), see status.persistence. */
  persistence?: {
    /** Immutable once set: moving state between backends is not automatic. */
    type: 'ConfigMap' | 'PersistentVolumeClaim';
    /** PersistentVolumeClaim only; defaults to 1Gi. */
    size?: string;
    storageClassName?: string;
  };
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSecrets?: { name: string }[];
  resources?: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  affinity?: Record<string, unknown>;
  priorityClassName?: string;
}

export interface ConditionStatus {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface CollectorStatus {
  observedGeneration?: number;
  conditions?: ConditionStatus[];
  services?: number;
  readyServices?: number;
  lastPullTime?: string;
  configHash?: string;
  /** Per Service, the reset fingerprint last acted on, so a reset happens exactly once. */
  resets?: Record<string, string>;
  /** The state store chosen on the first reconcile (spec.persistence or the source's default), kept from then on. */
  persistence?: { type: 'ConfigMap' | 'PersistentVolumeClaim' };
}

export interface CollectorResource {
  apiVersion: typeof API_VERSION;
  kind: 'Collector';
  metadata: ObjectMeta;
  spec: CollectorSpec;
  status?: CollectorStatus;
}

export interface ServiceSpec {
  collectorRef: { name: string };
  /** The config.yaml service name, e.g. signIns. */
  service: string;
  enabled?: boolean;
  requestPeriodSeconds?: number;
  startTimeInUtc?: string;
  resetPersistenceAuth?: string;
  overrideTag?: string;
  additionalFilter?: string;
  overrideQueryWindowMaxSeconds?: number;
  /** Other service settings in config.yaml's names, validated by the runtime's config schema. */
  settings?: Record<string, unknown>;
}

export interface ServiceStatus {
  observedGeneration?: number;
  conditions?: ConditionStatus[];
  lastResetTime?: string;
}

export interface ServiceResource {
  apiVersion: typeof API_VERSION;
  kind: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status?: ServiceStatus;
}
