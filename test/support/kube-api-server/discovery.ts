// Legacy (non-aggregated) discovery documents: /api, /apis, /apis/<group>, APIResourceList per
// group/version, and /version. client-node's KubernetesObjectApi reads APIResourceList to build paths.

import type { JsonObject } from './json-value.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import { SUBRESOURCE_VERBS, VERBS } from './resource-types.ts';

export const SERVER_VERSION: JsonObject = {
  major: '1',
  minor: '34',
  emulationMajor: '1',
  emulationMinor: '34',
  gitVersion: 'v1.34.0-kube-api-test-server',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.24.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(address: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: address }],
  };
}

function apiGroup(group: string, versions: string[]): JsonObject {
  const entries = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(registry: ResourceRegistry): JsonObject {
  const groups = registry
    .groupVersions()
    .filter((g) => g.group !== '')
    .map((g) => apiGroup(g.group, g.versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroupDocument(registry: ResourceRegistry, group: string): JsonObject | undefined {
  const found = registry.groupVersions().find((g) => g.group === group && group !== '');
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, found.versions) } : undefined;
}

export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const t of types) {
    const entry: JsonObject = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
    };
    if (t.shortNames.length > 0) entry.shortNames = t.shortNames;
    if (t.custom) entry.categories = [];
    resources.push(entry);
    if (t.statusSubresource) {
      resources.push({
        name: `${t.plural}/status`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: SUBRESOURCE_VERBS,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
