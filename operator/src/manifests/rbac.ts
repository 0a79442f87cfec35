// Every permission the operator needs, with the reason next to each rule (kubebuilder's rbac markers).
// The chart's ClusterRole/Role is generated from this list and the controller imports it, so code and
// RBAC cannot drift apart.
import { GROUP } from '../api/types.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** Why the operator needs it (kept out of the rendered YAML). */
  why: string;
}

const READ = ['get', 'list', 'watch'];
const OWN = [...READ, 'create', 'update', 'patch', 'delete'];

/** Rules in the watched namespaces (a ClusterRole when the operator watches all of them). */
export const OPERATOR_RULES: readonly PolicyRule[] = [
  {
    apiGroups: [GROUP],
    resources: ['collectors', 'services'],
    verbs: [...READ, 'update', 'patch'],
    why: 'watch the custom resources; finalizers',
  },
  {
    apiGroups: [GROUP],
    resources: ['collectors/status', 'services/status'],
    verbs: ['get', 'update', 'patch'],
    why: 'write conditions',
  },
  {
    apiGroups: [''],
    resources: ['secrets'],
    verbs: READ,
    why: 'see the credentials and certificate Secrets that Collectors name appear, change keys or rotate (rotation rolls the pod); of each Secret only the name, type, key names and a SHA-256 of the content are kept, values are dropped on arrival and never logged, written or sent; never written',
  },
  {
    apiGroups: [''],
    resources: ['configmaps', 'serviceaccounts', 'services', 'persistentvolumeclaims'],
    verbs: OWN,
    why: 'config and state ConfigMaps, the collector identity, the metrics Service, state volumes; also lets the operator grant get/update/patch on the state ConfigMap',
  },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: OWN, why: 'the collector Deployment' },
  {
    apiGroups: ['batch'],
    resources: ['jobs'],
    verbs: OWN,
    why: 'state reset Jobs on a PersistentVolumeClaim',
  },
  {
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'rolebindings'],
    verbs: OWN,
    why: "the collector's Role limited to its own state ConfigMap",
  },
  {
    apiGroups: ['', 'events.k8s.io'],
    resources: ['events'],
    verbs: ['create', 'patch'],
    why: 'Kubernetes Events for resets and errors',
  },
];

/** Rules in the operator's own namespace only. */
export const LEADER_ELECTION_RULES: readonly PolicyRule[] = [
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'create', 'update'],
    why: 'leader election',
  },
];

/** The rules as Kubernetes writes them (without the reasons). */
export function kubernetesRules(rules: readonly PolicyRule[]): Omit<PolicyRule, 'why'>[] {
  return rules.map(({ apiGroups, resources, verbs }) => ({ apiGroups, resources, verbs }));
}
