// How a list field merges (associative by key, set, or atomic). Server-side apply, managed-field tracking and
// strategic merge patch all need this; built-ins use the keys from the Kubernetes OpenAPI markers, custom
// resources use x-kubernetes-list-type / x-kubernetes-list-map-keys from the CRD schema.

import { isJsonObject, type JsonObject, type JsonValue } from './json-value.ts';

export type ListSemantics = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/** `fieldPath` names object fields only: list indices are skipped, map keys are included. */
export type ListSemanticsResolver = (fieldPath: readonly string[]) => ListSemantics;

const ATOMIC: ListSemantics = { type: 'atomic' };

function builtinListSemantics(fieldPath: readonly string[]): ListSemantics {
  const field = fieldPath[fieldPath.length - 1];
  const inContainer = fieldPath.some(
    (f) => f === 'containers' || f === 'initContainers' || f === 'ephemeralContainers',
  );
  if (fieldPath.length === 2 && fieldPath[0] === 'metadata') {
    if (field === 'finalizers') return { type: 'set' };
    if (field === 'ownerReferences') return { type: 'map', keys: ['uid'] };
    return ATOMIC;
  }
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
      return { type: 'map', keys: ['name'] };
    case 'volumeMounts':
      return { type: 'map', keys: ['mountPath'] };
    case 'volumeDevices':
      return { type: 'map', keys: ['devicePath'] };
    case 'ports':
      return { type: 'map', keys: inContainer ? ['containerPort', 'protocol'] : ['port', 'protocol'] };
    case 'conditions':
      return { type: 'map', keys: ['type'] };
    case 'hostAliases':
      return { type: 'map', keys: ['ip'] };
    case 'topologySpreadConstraints':
      return { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] };
    default:
      return ATOMIC;
  }
}

export function schemaAt(
  schema: JsonObject | undefined,
  fieldPath: readonly string[],
): JsonObject | undefined {
  let node = schema;
  for (const segment of fieldPath) {
    if (!node) return undefined;
    if (node.type === 'array' && isJsonObject(node.items)) node = node.items;
    const props = isJsonObject(node.properties) ? node.properties : undefined;
    if (props && isJsonObject(props[segment])) {
      node = props[segment];
    } else if (isJsonObject(node.additionalProperties)) {
      node = node.additionalProperties;
    } else {
      return undefined;
    }
  }
  return node;
}

export function listSemanticsFromSchema(node: JsonObject | undefined): ListSemantics {
  const listType = node?.['x-kubernetes-list-type'];
  if (listType === 'set') return { type: 'set' };
  const keys = node?.['x-kubernetes-list-map-keys'];
  if (listType === 'map' && Array.isArray(keys)) return { type: 'map', keys: keys.map(String) };
  return ATOMIC;
}

export function listSemanticsResolver(customSchema: JsonObject | undefined): ListSemanticsResolver {
  if (!customSchema) return builtinListSemantics;
  return (fieldPath) =>
    fieldPath[0] === 'metadata'
      ? builtinListSemantics(fieldPath)
      : listSemanticsFromSchema(schemaAt(customSchema, fieldPath));
}

const KEY_DEFAULTS: Record<string, JsonValue> = { protocol: 'TCP' };

/** The key object identifying an associative-list item, or undefined when the item lacks every key. */
export function itemKey(item: JsonValue, keys: readonly string[]): JsonObject | undefined {
  if (!isJsonObject(item)) return undefined;
  const key: JsonObject = {};
  let present = false;
  for (const k of keys) {
    if (item[k] !== undefined) {
      key[k] = item[k];
      present = true;
    } else if (KEY_DEFAULTS[k] !== undefined) {
      key[k] = KEY_DEFAULTS[k];
    }
  }
  return present ? key : undefined;
}
