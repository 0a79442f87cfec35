// The kinds the operator reads or writes, with the REST names informers and raw requests need.
import { API_VERSION } from '../api/types.ts';

export interface ResourceKind {
  apiVersion: string;
  kind: string;
  plural: string;
}

export const COLLECTOR_KIND: ResourceKind = {
  apiVersion: API_VERSION,
  kind: 'Collector',
  plural: 'collectors',
};
export const SERVICE_KIND: ResourceKind = { apiVersion: API_VERSION, kind: 'Service', plural: 'services' };
export const SECRET_KIND: ResourceKind = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' };

/** Children the operator owns and watches (by the managed-by label) to map changes back to a Collector. */
export const OWNED_KINDS: readonly ResourceKind[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' },
];

/** Every kind the operator writes or reads, so REST paths need no discovery round trip. */
export const KNOWN_KINDS: readonly ResourceKind[] = [
  COLLECTOR_KIND,
  SERVICE_KIND,
  SECRET_KIND,
  ...OWNED_KINDS,
  { apiVersion: 'v1', kind: 'Event', plural: 'events' },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' },
];

/** `/api/v1/namespaces/ns/configmaps` or, without a namespace, the all-namespaces collection. */
export function collectionPath(kind: ResourceKind, namespace?: string): string {
  const prefix = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  return namespace
    ? `${prefix}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`
    : `${prefix}/${kind.plural}`;
}

export function kindKey(apiVersion: string | undefined, kind: string | undefined): string {
  return `${apiVersion ?? ''}/${kind ?? ''}`;
}
