// Names, labels and owner references of the objects a Collector owns, decided in one place so every
// child, selector and reference agrees.
import { API_VERSION, GROUP, type CollectorResource } from '../api/types.ts';

export const MANAGED_BY = 'devo-collector-operator';
export const COLLECTOR_LABEL = `${GROUP}/collector`;
export const CONFIG_HASH_ANNOTATION = `${GROUP}/config-hash`;

export interface ChildNames {
  serviceAccount: string;
  role: string;
  configMap: string;
  state: string;
  deployment: string;
  metricsService: string;
}

/** What each child adds to the Collector's name. */
const SUFFIX: ChildNames = {
  serviceAccount: '',
  role: '-runtime',
  configMap: '-config',
  state: '-state',
  deployment: '',
  metricsService: '-metrics',
};

/**
 * The longest Collector name whose children can all be named: the metrics Service name must be a
 * DNS-1035 label (at most 63 characters), and so is every label value. The CRD's name rule uses this.
 */
export const MAX_COLLECTOR_NAME = 63 - Math.max(...Object.values(SUFFIX).map((s) => s.length));

export function childNames(collector: string): ChildNames {
  const names = {} as ChildNames;
  for (const [child, suffix] of Object.entries(SUFFIX))
    names[child as keyof ChildNames] = `${collector}${suffix}`;
  return names;
}

/** The two labels the Deployment selects on: never change them, selectors are immutable. */
export function selectorLabels(collector: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'devo-collector', 'app.kubernetes.io/instance': collector };
}

export function collectorLabels(collector: string): Record<string, string> {
  return {
    ...selectorLabels(collector),
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [COLLECTOR_LABEL]: collector,
  };
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

export function ownerReference(collector: CollectorResource): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: 'Collector',
    name: collector.metadata.name,
    uid: collector.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** metadata for a child: same namespace as the Collector, standard labels, the Collector as controller. */
export function childMetadata(collector: CollectorResource, name: string) {
  return {
    name,
    namespace: collector.metadata.namespace,
    labels: collectorLabels(collector.metadata.name),
    ownerReferences: [ownerReference(collector)],
  };
}
