// Non-apply patch formats: RFC 6902 JSON patch, RFC 7386 merge patch, and an approximation of strategic
// merge patch (merge patch plus keyed merging of the well-known built-in lists and the $patch directives).

import { ApiError, badRequest } from './api-error.ts';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.ts';
import { itemKey, type ListSemanticsResolver } from './list-semantics.ts';

function patchFailed(message: string): ApiError {
  // apiserver wraps jsonpatch apply failures in a generic 422.
  return new ApiError(422, 'Invalid', message);
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchFailed(`invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

type Container = JsonObject | JsonValue[];

function resolveParent(doc: JsonValue, path: string[], op: string): { parent: Container; key: string } {
  let node: JsonValue = doc;
  for (const segment of path.slice(0, -1)) {
    const next: JsonValue | undefined = Array.isArray(node)
      ? node[Number(segment)]
      : isJsonObject(node)
        ? node[segment]
        : undefined;
    if (next === undefined || next === null || typeof next !== 'object') {
      throw patchFailed(
        `${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`,
      );
    }
    node = next;
  }
  if (node === null || typeof node !== 'object') throw patchFailed(`${op}: parent is not a container`);
  return { parent: node, key: path[path.length - 1] };
}

function arrayIndex(parent: JsonValue[], key: string, allowEnd: boolean): number {
  if (key === '-' && allowEnd) return parent.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw patchFailed(`invalid array index: ${key}`);
  const index = Number(key);
  if (index > parent.length || (!allowEnd && index === parent.length)) {
    throw patchFailed(`array index out of bounds: ${key}`);
  }
  return index;
}

function readAt(doc: JsonValue, path: string[], op: string): JsonValue {
  if (path.length === 0) return doc;
  const { parent, key } = resolveParent(doc, path, op);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, key, false)] : parent[key];
  if (value === undefined) {
    throw patchFailed(
      `${op} operation does not apply: doc is missing path: "/${path.join('/')}": missing value`,
    );
  }
  return value;
}

function removeAt(doc: JsonValue, path: string[], op: string): JsonValue {
  const { parent, key } = resolveParent(doc, path, op);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false), 1)[0];
  if (!Object.hasOwn(parent, key)) {
    throw patchFailed(
      `${op} operation does not apply: doc is missing key: /${path.join('/')}: missing value`,
    );
  }
  const value = parent[key];
  delete parent[key];
  return value;
}

function addAt(doc: JsonValue, path: string[], value: JsonValue): JsonValue {
  if (path.length === 0) return value;
  const { parent, key } = resolveParent(doc, path, 'add');
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return doc;
}

export function applyJsonPatch(target: JsonObject, patch: unknown): JsonObject {
  if (!Array.isArray(patch))
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc: JsonValue = cloneJson(target);
  for (const raw of patch) {
    if (!isJsonObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('invalid JSON patch operation');
    }
    const path = parsePointer(raw.path);
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, path, cloneJson(raw.value ?? null));
        break;
      case 'remove':
        removeAt(doc, path, 'remove');
        break;
      case 'replace':
        readAt(doc, path, 'replace');
        if (path.length === 0) doc = cloneJson(raw.value ?? null);
        else {
          const { parent, key } = resolveParent(doc, path, 'replace');
          if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = cloneJson(raw.value ?? null);
          else parent[key] = cloneJson(raw.value ?? null);
        }
        break;
      case 'move': {
        const value = removeAt(doc, parsePointer(String(raw.from)), 'move');
        doc = addAt(doc, path, value);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, cloneJson(readAt(doc, parsePointer(String(raw.from)), 'copy')));
        break;
      case 'test':
        if (!jsonEqual(readAt(doc, path, 'test'), raw.value)) {
          throw patchFailed(`testing value /${path.join('/')} failed: test failed`);
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${raw.op}`);
    }
  }
  if (!isJsonObject(doc)) throw patchFailed('patch produced a non-object document');
  return doc;
}

/** RFC 7386: objects merge recursively, null deletes, everything else (arrays included) replaces. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Strategic merge patch, approximated: merge-patch semantics plus
 * - lists that are associative in the Kubernetes schema (containers, env, volumes, ports, conditions,
 *   ownerReferences, ...) merge item-by-item on their key, `$patch: delete` removes an item;
 * - metadata.finalizers merges as a set, `$deleteFromPrimitiveList/<field>` removes entries;
 * - `$patch: replace` on a map replaces it; `$setElementOrder/*` and `$retainKeys` are accepted and ignored.
 */
export function applyStrategicMergePatch(
  target: JsonObject,
  patch: JsonValue,
  lists: ListSemanticsResolver,
): JsonObject {
  if (!isJsonObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  return strategicMergeObject(target, patch, [], lists);
}

function strategicMergeObject(
  target: JsonValue | undefined,
  patch: JsonObject,
  fieldPath: string[],
  lists: ListSemanticsResolver,
): JsonObject {
  if (patch.$patch === 'replace') {
    const replaced = cloneJson(patch);
    delete replaced.$patch;
    return replaced;
  }
  const result: JsonObject = isJsonObject(target) ? cloneJson(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        result[field] = current.filter((item) => !value.some((v) => jsonEqual(v, item)));
      }
      continue;
    }
    const childPath = [...fieldPath, key];
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = strategicMergeList(result[key], value, childPath, lists);
    } else if (isJsonObject(value)) {
      result[key] = strategicMergeObject(result[key], value, childPath, lists);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function strategicMergeList(
  target: JsonValue | undefined,
  patch: JsonValue[],
  fieldPath: string[],
  lists: ListSemanticsResolver,
): JsonValue[] {
  const semantics = lists(fieldPath);
  const current = Array.isArray(target) ? cloneJson(target) : [];
  if (semantics.type === 'set') {
    return [...current, ...patch.filter((v) => !current.some((c) => jsonEqual(c, v)))];
  }
  if (semantics.type !== 'map') {
    return patch.map((item) => stripDirectives(item));
  }
  // The first key is the strategic patchMergeKey; the rest only exist for server-side apply.
  const mergeKey = [semantics.keys[0]];
  if (patch.some((item) => isJsonObject(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isJsonObject(item) && item.$patch === 'replace')).map(stripDirectives);
  }
  const result = current;
  for (const item of patch) {
    const key = itemKey(item, mergeKey);
    const index = key ? result.findIndex((c) => jsonEqual(itemKey(c, mergeKey), key)) : -1;
    if (isJsonObject(item) && item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0 && isJsonObject(item)) {
      result[index] = strategicMergeObject(result[index], item, fieldPath, lists);
    } else {
      result.push(stripDirectives(item));
    }
  }
  return result;
}

function stripDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (!k.startsWith('$')) out[k] = stripDirectives(v);
  }
  return out;
}
