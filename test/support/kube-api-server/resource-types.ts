// Resource type descriptors: what the server knows about each served group/version/resource, and the table
// of built-in kinds the operator touches.

import type { JsonObject } from './json-value.ts';
import type { GroupResource } from './api-error.ts';

/** Which writes bump metadata.generation (mirrors each registry strategy's PrepareForUpdate). */
export type GenerationPolicy =
  | 'none'
  | 'spec'
  // apps/v1 Deployment strategy also bumps on annotation changes (annotations are copied to ReplicaSets).
  | 'spec-and-annotations'
  // Custom resources: any change outside metadata and status.
  | 'all-but-metadata-status';

export interface CustomResourceInfo {
  crdName: string;
  /** openAPIV3Schema of this version, if the CRD declares one. */
  schema: JsonObject | undefined;
  storageVersion: string;
}

export interface ResourceType {
  group: string;
  version: string;
  apiVersion: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Objects are stored once per storage key; several group/versions may view the same storage (events). */
  storageKey: string;
  statusSubresource: boolean;
  generation: GenerationPolicy;
  /** Extra field-selector labels beyond metadata.name / metadata.namespace. */
  fieldSelectors: string[];
  custom: CustomResourceInfo | undefined;
}

export function groupResource(type: ResourceType): GroupResource {
  return { group: type.group, resource: type.plural, kind: type.kind };
}

interface BuiltinSpec {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  status?: boolean;
  generation?: GenerationPolicy;
  storageKey?: string;
  fieldSelectors?: string[];
}

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

const BUILTINS: BuiltinSpec[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    fieldSelectors: ['status.phase'],
  },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', fieldSelectors: ['type'] },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', shortNames: ['svc'], status: true },
  {
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    shortNames: ['pvc'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    kind: 'Pod',
    shortNames: ['po'],
    status: true,
    fieldSelectors: ['spec.nodeName', 'status.phase', 'spec.serviceAccountName'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    storageKey: 'events',
    fieldSelectors: EVENT_FIELDS,
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    shortNames: ['deploy'],
    status: true,
    generation: 'spec-and-annotations',
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    kind: 'StatefulSet',
    shortNames: ['sts'],
    status: true,
    generation: 'spec',
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    kind: 'DaemonSet',
    shortNames: ['ds'],
    status: true,
    generation: 'spec',
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    kind: 'ReplicaSet',
    shortNames: ['rs'],
    status: true,
    generation: 'spec',
  },
  {
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    kind: 'Job',
    status: true,
    generation: 'spec',
    fieldSelectors: ['status.successful'],
  },
  {
    group: 'batch',
    version: 'v1',
    plural: 'cronjobs',
    kind: 'CronJob',
    shortNames: ['cj'],
    status: true,
    generation: 'spec',
  },
  {
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    shortNames: ['pdb'],
    status: true,
    generation: 'spec',
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding' },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterroles',
    kind: 'ClusterRole',
    namespaced: false,
  },
  {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' },
  // Same storage as core/v1 events; the server converts field names per view (event-conversion.ts).
  {
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    storageKey: 'events',
    fieldSelectors: EVENT_FIELDS,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    status: true,
    generation: 'spec',
  },
];

export function builtinResourceTypes(): ResourceType[] {
  return BUILTINS.map((spec) => ({
    group: spec.group,
    version: spec.version,
    apiVersion: spec.group ? `${spec.group}/${spec.version}` : spec.version,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    storageKey: spec.storageKey ?? `${spec.group}/${spec.plural}`,
    statusSubresource: spec.status ?? false,
    generation: spec.generation ?? 'none',
    fieldSelectors: spec.fieldSelectors ?? [],
    custom: undefined,
  }));
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
export const SUBRESOURCE_VERBS = ['get', 'patch', 'update'];
