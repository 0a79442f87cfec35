// The REST semantics of the API server (create/get/list/update/patch/apply/delete) on top of the store:
// metadata bookkeeping, status subresource isolation, generation, validation, managed fields, finalizers
// and garbage collection. HTTP concerns live in server.ts; controllers call this directly.

import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  ApiError,
  STALE_OBJECT_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  fieldError,
  forbidden,
  invalid,
  notFound,
  unsupportedMediaType,
  type StatusCause,
} from './api-error.ts';
import { serverSideApply } from './apply.ts';
import { applyBuiltinDefaults } from './builtin-defaults.ts';
import { validateBuiltin } from './builtin-validation.ts';
import { coreEventToEventsV1, eventsV1ToCoreEvent } from './event-conversion.ts';
import { GarbageCollector, type PropagationPolicy, type StoredEntry } from './garbage-collector.ts';
import {
  cloneJson,
  ensureObject,
  isJsonObject,
  jsonEqual,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';
import { listSemanticsResolver, type ListSemanticsResolver } from './list-semantics.ts';
import { keepUnchangedTimes, trackUpdate, type WriteScope } from './managed-fields.ts';
import { validateObjectMeta, validateObjectMetaUpdate, type NameRule } from './object-meta-validation.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import { groupResource, type ResourceType } from './resource-types.ts';
import { applyDefaults, pruneUnknownFields, validateAgainstSchema } from './schema-validation.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { ObjectStore, StoredRef } from './store.ts';
import { normalizeMicroTimes, nowTimestamp } from './time-format.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  fieldManager: string;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Collects `Warning` header texts (unknown fields under fieldValidation=Warn). */
  warnings?: string[];
}

export interface ApplyOptions extends WriteOptions {
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WriteResult {
  status: number;
  /** What the response carries: a shared view (see ObjectApi.sharedView), never to be modified. */
  object: JsonObject;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

const CONTROLLER_MANAGER = 'kube-controller-manager';

/**
 * Parses a YAML request body. JSON is a subset of YAML and what clients send even as apply-patch+yaml, so
 * JSON goes through JSON.parse first: the YAML parser is two orders of magnitude slower. Anything JSON.parse
 * rejects is parsed as YAML, errors included.
 */
export function parseYamlBody(text: string): unknown {
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all
    }
  }
  return parseYaml(text);
}

function metaOf(obj: JsonObject): JsonObject {
  return ensureObject(obj, 'metadata');
}

function finalizersOf(obj: JsonObject): string[] {
  const f = metaOf(obj).finalizers;
  return Array.isArray(f) ? f.map(String) : [];
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function generateNameSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++)
    out += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return out;
}

function nameRuleFor(type: ResourceType): NameRule {
  if (type.storageKey === '/namespaces') return 'label';
  if (type.storageKey === '/services') return 'dns1035';
  return 'subdomain';
}

/** Immediate deletes of these kinds return the object rather than a Status (registry ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(['/pods', '/services', '/namespaces']);

export class ObjectApi {
  readonly store: ObjectStore;
  readonly registry: ResourceRegistry;
  readonly #gc: GarbageCollector;

  constructor(store: ObjectStore, registry: ResourceRegistry) {
    this.store = store;
    this.registry = registry;
    const entry = (ref: StoredRef | undefined): StoredEntry | undefined => {
      const type = ref && this.registry.storageTypeOf(ref.storageKey);
      return type && ref ? { type, object: ref.object } : undefined;
    };
    this.#gc = new GarbageCollector({
      byUid: (uid) => entry(this.store.byUid(uid)),
      dependentUids: (uid) => this.store.dependentUids(uid),
      namespaceContents: (namespace) =>
        this.store
          .inNamespace(namespace)
          .map(entry)
          .filter((e): e is StoredEntry => e !== undefined && e.type.namespaced),
      compare: (a, b) =>
        this.store.compare(
          { storageKey: a.type.storageKey, object: a.object },
          { storageKey: b.type.storageKey, object: b.object },
        ),
      deleteObject: (entry, policy) => {
        this.#deleteStored(entry.type, entry.object, policy);
      },
      updateObject: (entry, next) => {
        this.#commitUpdate(entry.type, entry.object, next);
      },
      removeNamespace: (entry) => {
        this.store.remove(entry.type.storageKey, undefined, String(metaOf(entry.object).name));
      },
    });
    store.subscribe((event) => this.#gc.observe(event));
  }

  // ---- views ---------------------------------------------------------------------------------------------

  /** The stored object as seen through `type` (apiVersion per served version, event field names): a mutable copy. */
  toView(type: ResourceType, stored: JsonObject): JsonObject {
    const view = type.group === 'events.k8s.io' ? coreEventToEventsV1(cloneJson(stored)) : cloneJson(stored);
    view.apiVersion = type.apiVersion;
    view.kind = type.kind;
    return view;
  }

  /**
   * The same view without copying: only the top level is new, everything below is shared with `stored`
   * (frozen when it comes from the store). For matching selectors and for serialising responses.
   */
  sharedView(type: ResourceType, stored: JsonObject): JsonObject {
    if (type.group === 'events.k8s.io') return coreEventToEventsV1(stored);
    return { ...stored, apiVersion: type.apiVersion, kind: type.kind };
  }

  #fromView(type: ResourceType, obj: JsonObject): JsonObject {
    const stored = type.group === 'events.k8s.io' ? eventsV1ToCoreEvent(obj) : obj;
    const storageType = this.registry.storageTypeOf(type.storageKey) ?? type;
    stored.apiVersion = storageType.apiVersion;
    stored.kind = storageType.kind;
    return stored;
  }

  #listsFor(type: ResourceType): ListSemanticsResolver {
    return listSemanticsResolver(type.custom?.schema);
  }

  // ---- reads -------------------------------------------------------------------------------------------

  /** A shared view (see sharedView) of the stored object: read or serialise it, never modify it. */
  get(type: ResourceType, namespace: string | undefined, name: string): JsonObject {
    const stored = this.store.peek(type.storageKey, type.namespaced ? namespace : undefined, name);
    if (!stored) throw notFound(groupResource(type), name);
    return this.sharedView(type, stored);
  }

  /** A list response; its items are shared views (see sharedView): read or serialise them, never modify. */
  list(type: ResourceType, namespace: string | undefined, query: ListQuery = {}): JsonObject {
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector, type.fieldSelectors);
    // Items share everything below their top level with the store: callers serialise them or copy them.
    let items = this.store
      .peekList(type.storageKey, type.namespaced ? namespace : undefined)
      .map((o) => this.sharedView(type, o))
      .filter((o) => labels(o) && fields(o));
    const metadata: JsonObject = { resourceVersion: String(this.store.revision) };
    if (query.continue) {
      const token = decodeContinue(query.continue);
      if (token.rv < this.store.oldestWatchable) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      items = items.filter((o) => keyOf(o) > token.start);
    }
    if (query.limit && query.limit > 0 && items.length > query.limit) {
      const page = items.slice(0, query.limit);
      metadata.continue = encodeContinue(this.store.revision, keyOf(page[page.length - 1]));
      metadata.remainingItemCount = items.length - page.length;
      items = page;
    }
    // Typed built-in lists omit apiVersion/kind on items; unstructured (custom) lists keep them.
    if (!type.custom) {
      for (const item of items) {
        delete item.apiVersion;
        delete item.kind;
      }
    }
    return { apiVersion: type.apiVersion, kind: type.listKind, metadata, items };
  }

  // ---- create ------------------------------------------------------------------------------------------

  create(type: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions): WriteResult {
    return this.#create(type, namespace, body, opts, false);
  }

  /** `precomputedManagedFields`: server-side apply already decided ownership (create-on-apply). */
  #create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    opts: WriteOptions,
    precomputedManagedFields: boolean,
  ): WriteResult {
    const obj = this.#decodeBody(type, body);
    const meta = metaOf(obj);
    this.#checkNamespace(type, namespace, meta);
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw new ApiError(
        500,
        'InternalError',
        'Internal error occurred: resourceVersion should not be set on objects to be created',
      );
    }
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName !== '') {
      meta.name = `${meta.generateName}${generateNameSuffix()}`;
    }
    if (typeof meta.name !== 'string' || meta.name === '') {
      throw invalid(groupResource(type), '', [
        fieldError.required('metadata.name', 'name or generateName is required'),
      ]);
    }
    const name = meta.name;
    if (type.namespaced) this.#requireActiveNamespace(type, String(namespace), name);

    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (type.generation !== 'none') meta.generation = 1;
    else delete meta.generation;
    if (type.statusSubresource) {
      if (type.custom) delete obj.status;
      else obj.status = {};
    }
    const prepared = this.#normalize(type, obj, opts, true);
    this.#validate(type, prepared, undefined);
    if (!precomputedManagedFields) {
      const managed = trackUpdate(undefined, prepared, this.#tracking(type, opts.fieldManager, undefined));
      if (managed) metaOf(prepared).managedFields = managed;
      else delete metaOf(prepared).managedFields;
    }
    if (this.store.peek(type.storageKey, metaOf(prepared).namespace as string | undefined, name)) {
      throw alreadyExists(groupResource(type), name);
    }
    if (opts.dryRun) return { status: 201, object: this.toView(type, prepared) };
    const stored = this.store.put(type.storageKey, prepared);
    this.#afterWrite(type, stored, false);
    return { status: 201, object: this.sharedView(type, stored) };
  }

  // ---- update ------------------------------------------------------------------------------------------

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    body: unknown,
    opts: WriteOptions,
  ): WriteResult {
    const old = this.#getStored(type, namespace, name);
    const incoming = this.#decodeBody(type, body);
    const meta = metaOf(incoming);
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      );
    }
    this.#checkNamespace(type, namespace, meta);
    this.#checkResourceVersion(type, old, meta.resourceVersion);
    const next = this.#prepareUpdate(type, old, incoming, subresource, opts, false);
    return { status: 200, object: this.#finishUpdate(type, old, next, opts) };
  }

  // ---- patch -------------------------------------------------------------------------------------------

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    contentType: string,
    rawBody: string,
    opts: ApplyOptions,
  ): WriteResult {
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    const accepted = type.custom
      ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply];
    if (!(accepted as string[]).includes(mediaType)) throw unsupportedMediaType(contentType, accepted);
    if (mediaType === PATCH_TYPES.apply)
      return this.#apply(type, namespace, name, subresource, rawBody, opts);
    if (opts.force !== undefined) throw badRequest('force is not allowed for non-apply patch requests');

    let patchDoc: unknown;
    try {
      patchDoc = JSON.parse(rawBody);
    } catch (err) {
      throw badRequest(`error decoding patch: ${(err as Error).message}`);
    }
    const old = this.#getStored(type, namespace, name);
    const current = this.toView(type, old);
    let patched: JsonObject;
    if (mediaType === PATCH_TYPES.json) patched = applyJsonPatch(current, patchDoc);
    else if (mediaType === PATCH_TYPES.merge) {
      if (!isJsonObject(patchDoc)) throw badRequest('merge patch must be a JSON object');
      patched = applyMergePatch(current, patchDoc) as JsonObject;
    } else {
      patched = applyStrategicMergePatch(current, patchDoc as JsonValue, this.#listsFor(type));
    }
    const incoming = this.#decodeBody(type, patched);
    const meta = metaOf(incoming);
    if (meta.name !== name)
      throw badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      );
    this.#checkResourceVersion(type, old, meta.resourceVersion);
    const next = this.#prepareUpdate(type, old, incoming, subresource, opts, false);
    return { status: 200, object: this.#finishUpdate(type, old, next, opts) };
  }

  #apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    rawBody: string,
    opts: ApplyOptions,
  ): WriteResult {
    if (!opts.fieldManager) throw badRequest('PATCH /apply: fieldManager is required for apply requests');
    let applied: unknown;
    try {
      applied = parseYamlBody(rawBody);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
    if (!isJsonObject(applied)) throw badRequest('apply patch must be a YAML or JSON object');
    if (typeof applied.apiVersion !== 'string' || typeof applied.kind !== 'string') {
      throw badRequest(`Object 'Kind' is missing in '${rawBody.slice(0, 200)}'`);
    }
    if (applied.kind !== type.kind || applied.apiVersion !== type.apiVersion) {
      throw badRequest(
        `the API version in the data (${applied.apiVersion}) does not match the expected API version (${type.apiVersion})`,
      );
    }
    const appliedMeta = ensureObject(applied, 'metadata');
    if (appliedMeta.name !== undefined && appliedMeta.name !== name) {
      throw badRequest(
        `the name of the object (${String(appliedMeta.name)}) does not match the name on the URL (${name})`,
      );
    }
    appliedMeta.name = name;
    this.#checkNamespace(type, namespace, appliedMeta);
    if (type.custom?.schema) {
      // The applied configuration is pruned like any body, so unknown fields never become owned.
      this.#reportUnknownFields(pruneUnknownFields(applied, type.custom.schema), opts);
    }
    const scope: WriteScope =
      subresource === 'status' ? 'status' : type.statusSubresource ? 'main' : 'main-with-status';
    const oldStored = this.store.peek(type.storageKey, type.namespaced ? namespace : undefined, name);
    if (oldStored) this.#checkResourceVersion(type, oldStored, appliedMeta.resourceVersion);
    else if (subresource) throw notFound(groupResource(type), name);
    delete appliedMeta.resourceVersion;
    const merged = serverSideApply({
      live: oldStored ? this.toView(type, oldStored) : undefined,
      applied,
      manager: opts.fieldManager,
      force: opts.force === true,
      apiVersion: type.apiVersion,
      subresource,
      scope,
      lists: this.#listsFor(type),
      now: nowTimestamp(),
      resource: groupResource(type),
      name,
    });
    if (!oldStored) {
      return this.#create(type, namespace, merged, opts, true);
    }
    const incoming = this.#decodeBody(type, merged);
    const next = this.#prepareUpdate(type, oldStored, incoming, subresource, opts, true);
    return { status: 200, object: this.#finishUpdate(type, oldStored, next, opts) };
  }

  // ---- delete ------------------------------------------------------------------------------------------

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): WriteResult {
    const old = this.#getStored(type, namespace, name);
    const meta = metaOf(old);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(
        groupResource(type),
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(meta.uid)}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        groupResource(type),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(meta.resourceVersion)}`,
      );
    }
    const policy = this.#policy(opts);
    if (opts.dryRun) return { status: 200, object: this.sharedView(type, old) };
    const result = this.#deleteStored(type, old, policy);
    const accepted = !result.removed && opts.orphanDependents === false;
    if (result.removed && !RETURNS_DELETED_OBJECT.has(type.storageKey)) {
      const details: JsonObject = { name, kind: type.plural, uid: String(meta.uid) };
      if (type.group) details.group = type.group;
      return {
        status: 200,
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details },
      };
    }
    return { status: accepted ? 202 : 200, object: this.sharedView(type, result.object) };
  }

  deleteCollection(
    type: ResourceType,
    namespace: string | undefined,
    query: ListQuery,
    opts: DeleteOptions,
  ): JsonObject {
    const list = this.list(type, namespace, {
      labelSelector: query.labelSelector,
      fieldSelector: query.fieldSelector,
    });
    const items: JsonObject[] = [];
    for (const item of list.items as JsonObject[]) {
      const m = metaOf(item);
      // An earlier deletion in this batch may already have cascaded to this one.
      const current = this.store.peek(type.storageKey, m.namespace as string | undefined, String(m.name));
      if (!current) continue;
      const last = opts.dryRun ? current : this.#deleteStored(type, current, this.#policy(opts)).object;
      items.push(this.sharedView(type, last));
    }
    return {
      apiVersion: type.apiVersion,
      kind: type.listKind,
      metadata: { resourceVersion: String(this.store.revision) },
      items,
    };
  }

  #policy(opts: DeleteOptions): PropagationPolicy {
    const p = opts.propagationPolicy;
    if (p === 'Foreground' || p === 'Background' || p === 'Orphan') return p;
    if (p !== undefined && p !== '')
      throw badRequest(
        `propagationPolicy: Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan"`,
      );
    return opts.orphanDependents === true ? 'Orphan' : 'Background';
  }

  /** Deletes honouring finalizers; returns whether the object is gone and its last state. */
  #deleteStored(
    type: ResourceType,
    old: JsonObject,
    policy: PropagationPolicy,
  ): { removed: boolean; object: JsonObject } {
    const meta = metaOf(old);
    const finalizers = finalizersOf(old);
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
      finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    const namespaceBlocked = type.storageKey === '/namespaces';
    if (finalizers.length === 0 && !namespaceBlocked) {
      const removed = this.store.remove(
        type.storageKey,
        meta.namespace as string | undefined,
        String(meta.name),
      );
      this.#afterWrite(type, removed ?? old, true);
      return { removed: true, object: removed ?? old };
    }
    const next = cloneJson(old);
    const nm = metaOf(next);
    if (finalizers.length > 0) nm.finalizers = finalizers;
    if (!nm.deletionTimestamp) {
      nm.deletionTimestamp = nowTimestamp();
      nm.deletionGracePeriodSeconds = 0;
      // markAsDeleting: entering deletion changes controller behaviour, so generational objects bump.
      if (typeof nm.generation === 'number' && nm.generation > 0) nm.generation += 1;
    }
    if (namespaceBlocked) ensureObject(next, 'status').phase = 'Terminating';
    if (jsonEqual(next, old)) return { removed: false, object: old };
    const stored = this.store.put(type.storageKey, next);
    this.#afterWrite(type, stored, false);
    const current = this.store.peek(type.storageKey, meta.namespace as string | undefined, String(meta.name));
    return { removed: !current, object: current ?? stored };
  }

  // ---- shared write pipeline ---------------------------------------------------------------------------

  /** The stored object itself (frozen): the write pipeline reads it and copies what it changes. */
  #getStored(type: ResourceType, namespace: string | undefined, name: string): JsonObject {
    const stored = this.store.peek(type.storageKey, type.namespaced ? namespace : undefined, name);
    if (!stored) throw notFound(groupResource(type), name);
    return stored;
  }

  #decodeBody(type: ResourceType, body: unknown): JsonObject {
    if (!isJsonObject(body)) throw badRequest('the body of the request must be a JSON object');
    const obj = cloneJson(body);
    if (type.custom && (typeof obj.kind !== 'string' || obj.kind === '')) {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body).slice(0, 200)}'`);
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw badRequest(
        `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: kind mismatch: got ${String(obj.kind)}`,
      );
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== type.apiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${type.apiVersion})`,
      );
    }
    ensureObject(obj, 'metadata');
    return this.#fromView(type, obj);
  }

  #checkNamespace(type: ResourceType, namespace: string | undefined, meta: JsonObject): void {
    if (!type.namespaced) {
      delete meta.namespace;
      return;
    }
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    meta.namespace = namespace ?? '';
  }

  #requireActiveNamespace(type: ResourceType, namespace: string, name: string): void {
    const ns = this.store.peek('/namespaces', undefined, namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces', kind: 'Namespace' }, namespace);
    if (metaOf(ns).deletionTimestamp) {
      throw forbidden(
        groupResource(type),
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  #checkResourceVersion(type: ResourceType, old: JsonObject, resourceVersion: JsonValue | undefined): void {
    if (resourceVersion === undefined || resourceVersion === null || resourceVersion === '') return;
    if (String(resourceVersion) !== metaOf(old).resourceVersion) {
      throw conflict(groupResource(type), String(metaOf(old).name), STALE_OBJECT_MESSAGE);
    }
  }

  #tracking(type: ResourceType, manager: string, subresource: string | undefined) {
    const scope: WriteScope =
      subresource === 'status' ? 'status' : type.statusSubresource ? 'main' : 'main-with-status';
    return {
      manager,
      apiVersion: type.apiVersion,
      subresource,
      scope,
      lists: this.#listsFor(type),
      now: nowTimestamp(),
    };
  }

  #reportUnknownFields(unknown: string[], opts: WriteOptions): void {
    if (unknown.length === 0 || opts.fieldValidation === 'Ignore') return;
    if (opts.fieldValidation === 'Strict') {
      throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    for (const f of unknown) opts.warnings?.push(`unknown field "${f}"`);
  }

  /** Secret stringData, defaults, CR pruning and defaulting. */
  #normalize(type: ResourceType, obj: JsonObject, opts: WriteOptions, creating: boolean): JsonObject {
    if (type.storageKey === '/secrets' && isJsonObject(obj.stringData)) {
      const data = ensureObject(obj, 'data');
      for (const [k, v] of Object.entries(obj.stringData))
        data[k] = Buffer.from(String(v)).toString('base64');
      delete obj.stringData;
    }
    if (type.custom?.schema) {
      this.#reportUnknownFields(pruneUnknownFields(obj, type.custom.schema), opts);
      applyDefaults(obj, type.custom.schema);
    } else if (!type.custom) {
      applyBuiltinDefaults(type.storageKey, obj, creating);
      normalizeMicroTimes(type.storageKey, obj);
    }
    return obj;
  }

  #validate(type: ResourceType, obj: JsonObject, old: JsonObject | undefined): void {
    const meta = metaOf(obj);
    const causes: StatusCause[] = validateObjectMeta(meta, nameRuleFor(type));
    if (old) causes.push(...validateObjectMetaUpdate(meta, metaOf(old)));
    if (type.custom?.schema) causes.push(...validateAgainstSchema(obj, type.custom.schema, old));
    if (!type.custom)
      causes.push(
        ...validateBuiltin(
          type.storageKey,
          type.apiVersion,
          type.group === 'events.k8s.io' ? coreEventToEventsV1(obj) : obj,
          old,
        ),
      );
    if (causes.length > 0) throw invalid(groupResource(type), String(meta.name ?? ''), causes);
  }

  #prepareUpdate(
    type: ResourceType,
    old: JsonObject,
    incoming: JsonObject,
    subresource: string | undefined,
    opts: WriteOptions,
    precomputedManagedFields: boolean,
  ): JsonObject {
    let next: JsonObject;
    const oldMeta = metaOf(old);
    if (subresource === 'status') {
      // Status writes copy everything but status from the stored object.
      next = cloneJson(old);
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      if (precomputedManagedFields) metaOf(next).managedFields = metaOf(incoming).managedFields ?? [];
    } else {
      next = incoming;
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = cloneJson(old.status);
      }
      const meta = metaOf(next);
      for (const key of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ]) {
        if (oldMeta[key] === undefined) delete meta[key];
        else meta[key] = cloneJson(oldMeta[key]);
      }
      meta.name = oldMeta.name;
      if (oldMeta.namespace !== undefined) meta.namespace = oldMeta.namespace;
      if (!precomputedManagedFields) meta.managedFields = cloneJson(oldMeta.managedFields ?? []);
    }
    metaOf(next).resourceVersion = oldMeta.resourceVersion;
    this.#normalize(type, next, opts, false);
    this.#validate(type, next, old);
    if (this.#generationChanged(type, old, next))
      metaOf(next).generation = Number(oldMeta.generation ?? 0) + 1;
    if (!precomputedManagedFields) {
      const managed = trackUpdate(old, next, this.#tracking(type, opts.fieldManager, subresource));
      if (managed && managed.length > 0) metaOf(next).managedFields = managed;
      else delete metaOf(next).managedFields;
    } else if (
      Array.isArray(metaOf(next).managedFields) &&
      (metaOf(next).managedFields as JsonValue[]).length === 0
    ) {
      delete metaOf(next).managedFields;
    }
    return next;
  }

  #generationChanged(type: ResourceType, old: JsonObject, next: JsonObject): boolean {
    switch (type.generation) {
      case 'none':
        return false;
      case 'spec':
        return !jsonEqual(old.spec, next.spec);
      case 'spec-and-annotations':
        return (
          !jsonEqual(old.spec, next.spec) || !jsonEqual(metaOf(old).annotations, metaOf(next).annotations)
        );
      case 'all-but-metadata-status': {
        const strip = (o: JsonObject): JsonObject =>
          Object.fromEntries(
            Object.entries(o).filter(([k]) => k !== 'metadata' && k !== 'status' && k !== 'apiVersion'),
          );
        return !jsonEqual(strip(old), strip(next));
      }
    }
  }

  /** Stores `next` unless the write is a no-op; returns the resulting view. */
  #finishUpdate(type: ResourceType, old: JsonObject, next: JsonObject, opts: WriteOptions): JsonObject {
    if (opts.dryRun) return this.toView(type, next);
    return this.sharedView(type, this.#commitUpdate(type, old, next));
  }

  #commitUpdate(type: ResourceType, old: JsonObject, next: JsonObject): JsonObject {
    keepUnchangedTimes(metaOf(old).managedFields, metaOf(next).managedFields);
    // A write that changes nothing (ownership included) is not persisted: no new resourceVersion, no event.
    // (jsonEqual skips keys whose value is undefined, so this compares all but the resourceVersion.)
    const comparable = (o: JsonObject): JsonObject => ({
      ...o,
      metadata: { ...metaOf(o), resourceVersion: undefined } as unknown as JsonObject,
    });
    if (jsonEqual(comparable(old), comparable(next))) return old;
    const meta = metaOf(next);
    if (meta.deletionTimestamp && finalizersOf(next).length === 0 && type.storageKey !== '/namespaces') {
      // Removing the last finalizer deletes directly (no intermediate MODIFIED), like deleteWithoutFinalizers.
      const removed = this.store.remove(
        type.storageKey,
        meta.namespace as string | undefined,
        String(meta.name),
        next,
      );
      this.#afterWrite(type, removed ?? next, true);
      return removed ?? next;
    }
    const stored = this.store.put(type.storageKey, next);
    this.#afterWrite(type, stored, false);
    return stored;
  }

  #afterWrite(type: ResourceType, stored: JsonObject, removed: boolean): void {
    const meta = metaOf(stored);
    if (
      !removed &&
      meta.deletionTimestamp &&
      finalizersOf(stored).length === 0 &&
      type.storageKey !== '/namespaces'
    ) {
      this.store.remove(type.storageKey, meta.namespace as string | undefined, String(meta.name));
      removed = true;
    }
    if (type.storageKey === 'apiextensions.k8s.io/customresourcedefinitions')
      this.#crdChanged(stored, removed);
    this.#gc.run();
  }

  #crdChanged(crd: JsonObject, removed: boolean): void {
    const name = String(metaOf(crd).name);
    if (removed) {
      for (const t of this.registry.customTypesOf(name).slice(0, 1)) {
        for (const obj of this.store.peekList(t.storageKey)) {
          const m = metaOf(obj);
          this.store.remove(t.storageKey, m.namespace as string | undefined, String(m.name));
        }
      }
      this.registry.removeCrd(name);
    } else {
      this.registry.installCrd(crd);
      this.#establishCrd(crd);
    }
  }

  /** The apiextensions controller marks names accepted and the CRD established. */
  #establishCrd(crd: JsonObject): void {
    const spec = crd.spec as JsonObject;
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
    const storage = versions.find((v) => v.storage === true)?.name;
    const previous = isJsonObject(crd.status) ? crd.status : {};
    const stored = Array.isArray(previous.storedVersions) ? previous.storedVersions.map(String) : [];
    if (storage !== undefined && !stored.includes(String(storage))) stored.push(String(storage));
    const condition = (type: string, reason: string, message: string): JsonObject => {
      const existing = Array.isArray(previous.conditions)
        ? previous.conditions.filter(isJsonObject).find((c) => c.type === type)
        : undefined;
      return {
        type,
        status: 'True',
        lastTransitionTime: existing?.lastTransitionTime ?? nowTimestamp(),
        reason,
        message,
      };
    };
    const status: JsonObject = {
      acceptedNames: cloneJson(spec.names ?? {}),
      conditions: [
        condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      storedVersions: stored,
    };
    if (jsonEqual(previous, status)) return;
    const current = this.store.get(
      'apiextensions.k8s.io/customresourcedefinitions',
      undefined,
      String(metaOf(crd).name),
    );
    if (!current) return;
    const next = cloneJson(current);
    next.status = status;
    this.store.put('apiextensions.k8s.io/customresourcedefinitions', next);
  }

  // ---- in-process helpers for controllers --------------------------------------------------------------

  /**
   * Writes `status` of a stored object as `manager` (a status-subresource update without preconditions).
   * The store takes `status` over (it is frozen); returns a shared view (see sharedView).
   */
  writeStatus(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    status: JsonObject,
    manager = CONTROLLER_MANAGER,
  ): JsonObject | undefined {
    const old = this.store.peek(type.storageKey, namespace, name);
    if (!old) return undefined;
    // A status write reads only `status` from the incoming object; other writes take all of it.
    const incoming = type.statusSubresource ? { ...old, status } : { ...cloneJson(old), status };
    const next = this.#prepareUpdate(
      type,
      old,
      incoming,
      type.statusSubresource ? 'status' : undefined,
      { fieldManager: manager },
      false,
    );
    return this.sharedView(type, this.#commitUpdate(type, old, next));
  }
}

function keyOf(obj: JsonObject): string {
  const m = obj.metadata as JsonObject;
  return `${String(m.namespace ?? '')}/${String(m.name)}`;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { rv: number; start: string };
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') return parsed;
  } catch {
    // fall through
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}
