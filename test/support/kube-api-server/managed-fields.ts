// metadata.managedFields bookkeeping. Field sets are tracked down to leaves (FieldsV1 encoding: `f:<field>`,
// `k:<key json>` for associative-list items, `v:<json>` for set items); lists without known semantics are
// atomic leaves. This is a reduced model of sigs.k8s.io/structured-merge-diff.

import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.ts';
import { itemKey, type ListSemanticsResolver } from './list-semantics.ts';

/** A field path as FieldsV1 path elements. */
export type FieldPath = string[];

/** Set of field paths, stored as JSON-encoded element arrays so they can live in a Set. */
export type FieldSet = Set<string>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource: string | undefined;
  fields: FieldSet;
}

/** Which part of the object a write may touch: the main resource (minus status) or the status subresource. */
export type WriteScope = 'main' | 'main-with-status' | 'status';

const SERVER_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

export function encodePath(path: FieldPath): string {
  return JSON.stringify(path);
}

export function decodePath(encoded: string): FieldPath {
  return JSON.parse(encoded) as FieldPath;
}

/** The part of `obj` a scope covers, with server-owned metadata removed. */
export function scopedContent(obj: JsonObject, scope: WriteScope): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (scope === 'status' ? key !== 'status' : scope === 'main' && key === 'status') continue;
    if (key === 'metadata' && isJsonObject(value)) {
      const meta: JsonObject = {};
      for (const [mk, mv] of Object.entries(value)) if (!SERVER_METADATA.has(mk)) meta[mk] = mv;
      if (Object.keys(meta).length > 0) out.metadata = meta;
      continue;
    }
    out[key] = value;
  }
  return out;
}

export function fieldSetOf(content: JsonObject, lists: ListSemanticsResolver): FieldSet {
  const set: FieldSet = new Set();
  walk(content, [], [], lists, (path) => set.add(encodePath(path)));
  return set;
}

function walk(
  value: JsonValue,
  path: FieldPath,
  fieldPath: string[],
  lists: ListSemanticsResolver,
  visit: (path: FieldPath) => void,
): void {
  if (isJsonObject(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    if (entries.length === 0 && path.length > 0) visit(path);
    for (const [k, v] of entries) walk(v, [...path, `f:${k}`], [...fieldPath, k], lists, visit);
    return;
  }
  if (Array.isArray(value)) {
    const semantics = lists(fieldPath);
    if (semantics.type === 'map' && value.every((item) => itemKey(item, semantics.keys))) {
      for (const item of value) {
        const itemPath = [...path, `k:${JSON.stringify(itemKey(item, semantics.keys))}`];
        visit(itemPath);
        walk(item, itemPath, fieldPath, lists, (p) => {
          if (p.length > itemPath.length) visit(p);
        });
      }
      return;
    }
    if (semantics.type === 'set') {
      for (const item of value) visit([...path, `v:${JSON.stringify(item)}`]);
      return;
    }
  }
  visit(path);
}

/** Finds the value at a field path; undefined when absent. */
export function valueAtPath(obj: JsonValue | undefined, path: FieldPath): JsonValue | undefined {
  let node = obj;
  for (const element of path) {
    if (node === undefined || node === null) return undefined;
    if (element.startsWith('f:')) {
      node = isJsonObject(node) ? node[element.slice(2)] : undefined;
    } else if (element.startsWith('k:')) {
      const key = JSON.parse(element.slice(2)) as JsonObject;
      node = Array.isArray(node)
        ? node.find((item) => jsonEqual(itemKey(item, Object.keys(key)), key))
        : undefined;
    } else if (element.startsWith('v:')) {
      const wanted = JSON.parse(element.slice(2)) as JsonValue;
      node = Array.isArray(node) ? node.find((item) => jsonEqual(item, wanted)) : undefined;
    } else {
      return undefined;
    }
  }
  return node;
}

/** Deletes the field, list item or set member at `path` (no-op when absent). */
export function removeAtPath(obj: JsonObject, path: FieldPath): void {
  const parent = valueAtPath(obj, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (last.startsWith('f:') && isJsonObject(parent)) {
    delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const target = valueAtPath(parent, [last]);
    const index = parent.findIndex((item) => item === target);
    if (index >= 0) parent.splice(index, 1);
  }
}

export function parseManagedFields(metadata: JsonObject | undefined): ManagedFieldsEntry[] {
  const raw = metadata?.managedFields;
  if (!Array.isArray(raw)) return [];
  return raw.filter(isJsonObject).map((entry) => {
    const fields: FieldSet = new Set();
    collectTreePaths(isJsonObject(entry.fieldsV1) ? entry.fieldsV1 : {}, [], fields);
    return {
      manager: String(entry.manager ?? ''),
      operation: entry.operation === 'Apply' ? 'Apply' : 'Update',
      apiVersion: String(entry.apiVersion ?? ''),
      time: String(entry.time ?? ''),
      subresource: typeof entry.subresource === 'string' ? entry.subresource : undefined,
      fields,
    };
  });
}

function collectTreePaths(tree: JsonObject, prefix: FieldPath, into: FieldSet): void {
  for (const [element, child] of Object.entries(tree)) {
    if (element === '.') {
      into.add(encodePath(prefix));
      continue;
    }
    const path = [...prefix, element];
    if (isJsonObject(child) && Object.keys(child).length > 0) collectTreePaths(child, path, into);
    else into.add(encodePath(path));
  }
}

function toTree(fields: FieldSet): JsonObject {
  const tree: JsonObject = {};
  const paths = [...fields].map(decodePath).sort((a, b) => a.length - b.length);
  for (const path of paths) {
    let node = tree;
    for (const element of path) {
      if (!isJsonObject(node[element])) node[element] = {};
      node = node[element] as JsonObject;
    }
  }
  // A node that was owned as a leaf and later gained children keeps a "." marker.
  markOwnedParents(tree, [], fields);
  return tree;
}

function markOwnedParents(node: JsonObject, prefix: FieldPath, fields: FieldSet): void {
  for (const [element, child] of Object.entries(node)) {
    if (element === '.' || !isJsonObject(child)) continue;
    const path = [...prefix, element];
    const childKeys = Object.keys(child).filter((k) => k !== '.');
    if (childKeys.length > 0 && fields.has(encodePath(path))) child['.'] = {};
    markOwnedParents(child, path, fields);
  }
}

export function serializeManagedFields(entries: ManagedFieldsEntry[]): JsonValue[] {
  return entries
    .filter((e) => e.fields.size > 0)
    .map((e) => {
      const out: JsonObject = {
        manager: e.manager,
        operation: e.operation,
        apiVersion: e.apiVersion,
        time: e.time,
        fieldsType: 'FieldsV1',
        fieldsV1: toTree(e.fields),
      };
      if (e.subresource) out.subresource = e.subresource;
      return out;
    });
}

export function findEntry(
  entries: ManagedFieldsEntry[],
  manager: string,
  operation: 'Apply' | 'Update',
  subresource: string | undefined,
): ManagedFieldsEntry | undefined {
  return entries.find(
    (e) => e.manager === manager && e.operation === operation && e.subresource === subresource,
  );
}

export interface UpdateTracking {
  manager: string;
  apiVersion: string;
  subresource: string | undefined;
  scope: WriteScope;
  lists: ListSemanticsResolver;
  now: string;
}

/**
 * Managed fields after a non-apply write (create, update, non-apply patch): the writer takes ownership of
 * every field it changed, and those fields are taken away from everyone else (no conflicts for updates).
 */
export function trackUpdate(
  previous: JsonObject | undefined,
  next: JsonObject,
  tracking: UpdateTracking,
): JsonValue[] | undefined {
  const entries = parseManagedFields(previous?.metadata as JsonObject | undefined);
  const before = previous ? scopedContent(previous, tracking.scope) : {};
  const after = scopedContent(next, tracking.scope);
  const oldSet = fieldSetOf(before, tracking.lists);
  const newSet = fieldSetOf(after, tracking.lists);
  const changed = [...newSet].filter(
    (p) =>
      !oldSet.has(p) || !jsonEqual(valueAtPath(before, decodePath(p)), valueAtPath(after, decodePath(p))),
  );
  const removed = [...oldSet].filter((p) => !newSet.has(p));
  if (changed.length === 0 && removed.length === 0)
    return previous?.metadata ? managedFieldsOf(previous) : undefined;
  for (const entry of entries) {
    for (const p of [...changed, ...removed]) entry.fields.delete(p);
  }
  let own = findEntry(entries, tracking.manager, 'Update', tracking.subresource);
  if (!own) {
    own = {
      manager: tracking.manager,
      operation: 'Update',
      apiVersion: tracking.apiVersion,
      time: tracking.now,
      subresource: tracking.subresource,
      fields: new Set(),
    };
    entries.push(own);
  }
  for (const p of changed) own.fields.add(p);
  own.time = tracking.now;
  own.apiVersion = tracking.apiVersion;
  return serializeManagedFields(entries);
}

function managedFieldsOf(obj: JsonObject): JsonValue[] | undefined {
  const mf = (obj.metadata as JsonObject).managedFields;
  return Array.isArray(mf) ? cloneJson(mf) : undefined;
}

/** Renders a field path the way SSA conflict messages do: `.spec.replicas`, `.spec.containers[name="c"]`. */
export function describePath(path: FieldPath): string {
  return path
    .map((element) => {
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      if (element.startsWith('k:')) {
        const key = JSON.parse(element.slice(2)) as JsonObject;
        return `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      }
      if (element.startsWith('v:')) return `[${element.slice(2)}]`;
      return element;
    })
    .join('');
}

/** Entries whose ownership did not change keep their old timestamp (only real ownership changes are news). */
export function keepUnchangedTimes(previous: JsonValue | undefined, next: JsonValue | undefined): void {
  if (!Array.isArray(previous) || !Array.isArray(next)) return;
  for (const entry of next) {
    if (!isJsonObject(entry)) continue;
    const same = previous.find(
      (p) =>
        isJsonObject(p) &&
        p.manager === entry.manager &&
        p.operation === entry.operation &&
        p.subresource === entry.subresource &&
        jsonEqual(p.fieldsV1, entry.fieldsV1),
    );
    if (isJsonObject(same)) entry.time = same.time;
  }
}
