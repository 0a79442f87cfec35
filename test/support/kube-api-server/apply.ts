// Server-side apply (application/apply-patch+yaml): merge the applied configuration into the live object,
// detect conflicts with other managers, remove fields this manager stopped applying, and record ownership.

import { ApiError, type GroupResource, type StatusCause } from './api-error.ts';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.ts';
import { itemKey, type ListSemanticsResolver } from './list-semantics.ts';
import {
  decodePath,
  describePath,
  fieldSetOf,
  findEntry,
  parseManagedFields,
  removeAtPath,
  scopedContent,
  serializeManagedFields,
  valueAtPath,
  type FieldSet,
  type WriteScope,
} from './managed-fields.ts';

export interface ApplyRequest {
  live: JsonObject | undefined;
  applied: JsonObject;
  manager: string;
  force: boolean;
  apiVersion: string;
  subresource: string | undefined;
  scope: WriteScope;
  lists: ListSemanticsResolver;
  now: string;
  resource: GroupResource;
  name: string;
}

/** Returns the merged object with metadata.managedFields set; throws a 409 on unforced conflicts. */
export function serverSideApply(req: ApplyRequest): JsonObject {
  const applied = stripNulls(req.applied) as JsonObject;
  const appliedContent = scopedContent(applied, req.scope);
  const appliedSet = fieldSetOf(appliedContent, req.lists);
  const liveContent = req.live ? scopedContent(req.live, req.scope) : {};
  const entries = parseManagedFields(req.live?.metadata as JsonObject | undefined);

  const conflicts: { manager: string; apiVersion: string; path: string }[] = [];
  for (const entry of entries) {
    if (entry.manager === req.manager) continue;
    for (const p of entry.fields) {
      if (!appliedSet.has(p)) continue;
      const path = decodePath(p);
      // Owning the same list item or map is not a conflict; only differing values are.
      if (path[path.length - 1]?.startsWith('k:')) continue;
      if (!jsonEqual(valueAtPath(liveContent, path), valueAtPath(appliedContent, path))) {
        conflicts.push({ manager: entry.manager, apiVersion: entry.apiVersion, path: p });
      }
    }
  }
  if (conflicts.length > 0 && !req.force) throw conflictError(req, conflicts);
  for (const c of conflicts) {
    for (const entry of entries) if (entry.manager === c.manager) entry.fields.delete(c.path);
  }

  const previous = findEntry(entries, req.manager, 'Apply', req.subresource);
  const ownedByOthers: FieldSet = new Set();
  for (const entry of entries) {
    if (entry !== previous) for (const p of entry.fields) ownedByOthers.add(p);
  }
  const toRemove = [...(previous?.fields ?? [])].filter((p) => !appliedSet.has(p) && !ownedByOthers.has(p));

  const base: JsonObject = req.live ? cloneJson(req.live) : {};
  const merged = mergeApplied(base, appliedContent, [], req.lists) as JsonObject;
  merged.apiVersion = applied.apiVersion ?? base.apiVersion ?? req.apiVersion;
  merged.kind = applied.kind ?? base.kind ?? req.resource.kind;
  if (!isJsonObject(merged.metadata)) merged.metadata = {};
  const meta = merged.metadata;
  const appliedMeta = isJsonObject(applied.metadata) ? applied.metadata : {};
  if (!req.live) {
    for (const key of ['name', 'namespace', 'generateName']) {
      if (appliedMeta[key] !== undefined) meta[key] = appliedMeta[key];
    }
  }
  // Deepest paths first so removing an item never invalidates a later path.
  for (const p of toRemove.map(decodePath).sort((a, b) => b.length - a.length)) removeAtPath(merged, p);

  const own = previous ?? {
    manager: req.manager,
    operation: 'Apply' as const,
    apiVersion: req.apiVersion,
    time: req.now,
    subresource: req.subresource,
    fields: new Set<string>(),
  };
  own.fields = appliedSet;
  own.time = req.now;
  own.apiVersion = req.apiVersion;
  const next = previous ? entries : [...entries, own];
  meta.managedFields = serializeManagedFields(next);
  return merged;
}

function conflictError(
  req: ApplyRequest,
  conflicts: { manager: string; apiVersion: string; path: string }[],
): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with "${c.manager}" using ${c.apiVersion}`,
    field: describePath(decodePath(c.path)),
  }));
  const lines = conflicts.map(
    (c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${describePath(decodePath(c.path))}`,
  );
  const noun = conflicts.length === 1 ? 'conflict' : 'conflicts';
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: ${lines[0]}`
      : `Apply failed with ${conflicts.length} ${noun}: ${lines.join('\n')}`;
  const details = { name: req.name, kind: req.resource.resource, causes } as {
    name: string;
    kind: string;
    group?: string;
    causes: StatusCause[];
  };
  if (req.resource.group) details.group = req.resource.group;
  return new ApiError(409, 'Conflict', message, details);
}

/** Explicit nulls in an apply configuration mean "not specified". */
function stripNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(stripNulls);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
  return out;
}

function mergeApplied(
  live: JsonValue | undefined,
  applied: JsonValue,
  fieldPath: string[],
  lists: ListSemanticsResolver,
): JsonValue {
  if (isJsonObject(applied)) {
    const result: JsonObject = isJsonObject(live) ? cloneJson(live) : {};
    for (const [k, v] of Object.entries(applied))
      result[k] = mergeApplied(result[k], v, [...fieldPath, k], lists);
    return result;
  }
  if (Array.isArray(applied)) {
    const semantics = lists(fieldPath);
    const current = Array.isArray(live) ? cloneJson(live) : [];
    if (semantics.type === 'set') {
      return [...current, ...applied.filter((v) => !current.some((c) => jsonEqual(c, v)))];
    }
    if (semantics.type === 'map' && applied.every((item) => itemKey(item, semantics.keys))) {
      const result = current.filter((item) => itemKey(item, semantics.keys));
      for (const item of applied) {
        const key = itemKey(item, semantics.keys);
        const index = result.findIndex((c) => jsonEqual(itemKey(c, semantics.keys), key));
        if (index >= 0) result[index] = mergeApplied(result[index], item, fieldPath, lists);
        else result.push(cloneJson(item));
      }
      return result;
    }
    return cloneJson(applied);
  }
  return applied;
}
