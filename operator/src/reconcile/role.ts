// Least privilege for the collector pod: it may report its own Collector's status.lastPullTime and, with
// ConfigMap persistence, read and write its own state ConfigMap, and nothing else. RBAC cannot limit
// `create` by resourceNames, so the operator creates the (empty) state ConfigMap itself (state-store.ts)
// and the collector never needs create.
import type { V1Role, V1RoleBinding } from '@kubernetes/client-node';
import { GROUP, type CollectorResource } from '../api/types.ts';
import { childMetadata, childNames } from './child-meta.ts';

export const STATE_VERBS = ['get', 'update', 'patch'] as const;

export const STATUS_VERBS = ['get', 'patch'] as const;

export function collectorRole(
  collector: CollectorResource,
  stateInConfigMap: boolean,
): [V1Role, V1RoleBinding] {
  const names = childNames(collector.metadata.name);
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: childMetadata(collector, names.role),
    rules: [
      {
        apiGroups: [GROUP],
        resources: ['collectors/status'],
        resourceNames: [collector.metadata.name],
        verbs: [...STATUS_VERBS],
      },
      ...(stateInConfigMap
        ? [
            {
              apiGroups: [''],
              resources: ['configmaps'],
              resourceNames: [names.state],
              verbs: [...STATE_VERBS],
            },
          ]
        : []),
    ],
  };
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: childMetadata(collector, names.role),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: names.role },
    subjects: [
      { kind: 'ServiceAccount', name: names.serviceAccount, namespace: collector.metadata.namespace },
    ],
  };
  return [role, binding];
}
