// URL → resource target: /api/v1/..., /apis/<group>/<version>/..., optional namespaces/<ns>/ segment,
// optional legacy watch/ prefix, and a name plus subresource.

import { pathNotFound } from './api-error.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import type { ResourceType } from './resource-types.ts';

export type Route =
  | { kind: 'discovery'; doc: 'api' | 'apis' | 'version' | 'health' }
  | { kind: 'group'; group: string }
  | { kind: 'resources'; group: string; version: string }
  | {
      kind: 'resource';
      type: ResourceType;
      namespace: string | undefined;
      name: string | undefined;
      subresource: string | undefined;
      legacyWatch: boolean;
    };

export function route(pathname: string, registry: ResourceRegistry): Route {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const [root] = segments;
  if (segments.length === 1 && root === 'version') return { kind: 'discovery', doc: 'version' };
  if (segments.length >= 1 && ['healthz', 'readyz', 'livez'].includes(root))
    return { kind: 'discovery', doc: 'health' };
  let group: string;
  let version: string;
  let rest: string[];
  if (root === 'api') {
    if (segments.length === 1) return { kind: 'discovery', doc: 'api' };
    group = '';
    version = segments[1];
    rest = segments.slice(2);
  } else if (root === 'apis') {
    if (segments.length === 1) return { kind: 'discovery', doc: 'apis' };
    if (segments.length === 2) return { kind: 'group', group: segments[1] };
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else {
    throw pathNotFound();
  }
  if (rest.length === 0) return { kind: 'resources', group, version };
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  const isNamespaceSubresource =
    group === '' && rest.length === 3 && ['status', 'finalize'].includes(rest[2]);
  if (rest[0] === 'namespaces' && rest.length >= 3 && !isNamespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const type = registry.find(group, version, plural);
  if (!type || extra.length > 0) throw pathNotFound();
  if (namespace !== undefined && !type.namespaced) throw pathNotFound();
  if (type.namespaced && namespace === undefined && name !== undefined) throw pathNotFound();
  if (subresource !== undefined && !(subresource === 'status' && type.statusSubresource))
    throw pathNotFound();
  return { kind: 'resource', type, namespace, name, subresource, legacyWatch };
}
