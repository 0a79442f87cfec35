// The set of served resources: the built-in table plus whatever installed CRDs declare. Discovery and routing
// both read from here, so a CRD becomes servable the moment it is stored.

import { isJsonObject, type JsonObject } from './json-value.ts';
import { builtinResourceTypes, type ResourceType } from './resource-types.ts';

export class ResourceRegistry {
  readonly #builtins = builtinResourceTypes();
  /** CRD name → the resource types (one per served version) it contributes. */
  readonly #custom = new Map<string, ResourceType[]>();

  all(): ResourceType[] {
    return [...this.#builtins, ...[...this.#custom.values()].flat()];
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  findByKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.all().find((t) => t.apiVersion === apiVersion && t.kind === kind);
  }

  /** All views of one storage key (several versions of a CRD, or both event APIs). */
  viewsOf(storageKey: string): ResourceType[] {
    return this.all().filter((t) => t.storageKey === storageKey);
  }

  /** The type whose apiVersion objects are stored with. */
  storageTypeOf(storageKey: string): ResourceType | undefined {
    const views = this.viewsOf(storageKey);
    return views.find((t) => !t.custom || t.custom.storageVersion === t.version) ?? views[0];
  }

  customTypesOf(crdName: string): ResourceType[] {
    return this.#custom.get(crdName) ?? [];
  }

  installCrd(crd: JsonObject): void {
    this.#custom.set(String((crd.metadata as JsonObject).name), resourceTypesFromCrd(crd));
  }

  removeCrd(name: string): void {
    this.#custom.delete(name);
  }

  clearCustom(): void {
    this.#custom.clear();
  }

  groupVersions(): { group: string; versions: string[] }[] {
    const byGroup = new Map<string, string[]>();
    for (const type of this.all()) {
      const versions = byGroup.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      byGroup.set(type.group, versions);
    }
    return [...byGroup].map(([group, versions]) => ({ group, versions }));
  }
}

function resourceTypesFromCrd(crd: JsonObject): ResourceType[] {
  const spec = crd.spec as JsonObject;
  const names = spec.names as JsonObject;
  const group = String(spec.group);
  const kind = String(names.kind);
  const plural = String(names.plural);
  const versions = (spec.versions as JsonObject[]).filter((v) => v.served !== false);
  const storageVersion = String((spec.versions as JsonObject[]).find((v) => v.storage === true)?.name ?? '');
  return versions.map((v) => {
    const version = String(v.name);
    const schema = isJsonObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    const subresources = isJsonObject(v.subresources) ? v.subresources : {};
    return {
      group,
      version,
      apiVersion: `${group}/${version}`,
      plural,
      singular: String(names.singular ?? kind.toLowerCase()),
      kind,
      listKind: String(names.listKind ?? `${kind}List`),
      namespaced: spec.scope !== 'Cluster',
      shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
      storageKey: `${group}/${plural}`,
      statusSubresource: isJsonObject(subresources.status),
      generation: 'all-but-metadata-status',
      fieldSelectors: [],
      custom: {
        crdName: String((crd.metadata as JsonObject).name),
        schema: isJsonObject(schema) ? schema : undefined,
        storageVersion,
      },
    } satisfies ResourceType;
  });
}
