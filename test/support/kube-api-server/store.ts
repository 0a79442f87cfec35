// In-memory object storage with one global resourceVersion counter (like etcd's revision) and a bounded
// history of change events so watches can resume from a recent resourceVersion.
//
// Stored objects are deep-frozen copies, so reads inside the server (lists, watches, the garbage collector)
// can share them instead of cloning; get() and list() still hand out mutable clones. The store also keeps
// the indexes that make every request independent of how many objects exist: objects by uid, dependents
// by owner uid, and each resource's objects by namespace with a cached key order.

import { cloneJson, deepFreeze, isJsonObject, type JsonObject } from './json-value.ts';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  storageKey: string;
  /** State after the change; for DELETED the last state, stamped with the deletion's resourceVersion. Frozen. */
  object: JsonObject;
  /** State before the change (undefined for ADDED); watches use it for selector transitions. Frozen. */
  previous: JsonObject | undefined;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

/** A stored (frozen) object and where it lives. */
export interface StoredRef {
  storageKey: string;
  object: JsonObject;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function metadataOf(obj: JsonObject): JsonObject {
  return obj.metadata as JsonObject;
}

function ownerUids(obj: JsonObject | undefined): string[] {
  const refs = obj ? metadataOf(obj).ownerReferences : undefined;
  return Array.isArray(refs) ? refs.filter(isJsonObject).map((r) => String(r.uid)) : [];
}

/** One resource's objects: by key, by namespace, and their key order (computed when a key comes or goes). */
class Bucket {
  readonly order: number;
  readonly byKey = new Map<string, JsonObject>();
  readonly byNamespace = new Map<string | undefined, Map<string, JsonObject>>();
  #sorted: string[] | undefined;
  readonly #sortedByNamespace = new Map<string | undefined, string[]>();

  constructor(order: number) {
    this.order = order;
  }

  set(key: string, obj: JsonObject): void {
    const ns = metadataOf(obj).namespace as string | undefined;
    let inNs = this.byNamespace.get(ns);
    if (!inNs) {
      inNs = new Map();
      this.byNamespace.set(ns, inNs);
    }
    if (!this.byKey.has(key)) {
      this.#sorted = undefined;
      this.#sortedByNamespace.delete(ns);
    }
    this.byKey.set(key, obj);
    inNs.set(key, obj);
  }

  delete(key: string, obj: JsonObject): void {
    const ns = metadataOf(obj).namespace as string | undefined;
    this.byKey.delete(key);
    const inNs = this.byNamespace.get(ns);
    inNs?.delete(key);
    if (inNs?.size === 0) this.byNamespace.delete(ns);
    this.#sorted = undefined;
    this.#sortedByNamespace.delete(ns);
  }

  /** Objects in key order, all of them or those whose metadata.namespace is `namespace`. */
  list(namespace: string | undefined, all: boolean): JsonObject[] {
    if (all) {
      this.#sorted ??= [...this.byKey.keys()].sort(compareKeys);
      return this.#sorted.map((k) => this.byKey.get(k)!);
    }
    const inNs = this.byNamespace.get(namespace);
    if (!inNs) return [];
    let sorted = this.#sortedByNamespace.get(namespace);
    if (!sorted) {
      sorted = [...inNs.keys()].sort(compareKeys);
      this.#sortedByNamespace.set(namespace, sorted);
    }
    return sorted.map((k) => inNs.get(k)!);
  }
}

export class ObjectStore {
  readonly #historyLimit: number;
  #revision = 0;
  readonly #objects = new Map<string, Bucket>();
  readonly #byUid = new Map<string, StoredRef>();
  /** owner uid → uids of the objects whose ownerReferences name it (the owner may be gone). */
  readonly #dependents = new Map<string, Set<string>>();
  /** Events in resourceVersion order; the live window starts at #historyStart. */
  #history: StoreEvent[] = [];
  #historyStart = 0;
  /** Watches starting at a resourceVersion below this have missed events that are no longer kept. */
  #oldestWatchable = 0;
  readonly #listeners = new Set<StoreListener>();

  constructor(historyLimit: number) {
    this.#historyLimit = historyLimit;
  }

  get revision(): number {
    return this.#revision;
  }

  get oldestWatchable(): number {
    return this.#oldestWatchable;
  }

  /** A mutable copy of the stored object. */
  get(storageKey: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const found = this.peek(storageKey, namespace, name);
    return found ? cloneJson(found) : undefined;
  }

  /** The stored object itself: frozen, never to be modified. */
  peek(storageKey: string, namespace: string | undefined, name: string): JsonObject | undefined {
    return this.#objects.get(storageKey)?.byKey.get(objectKey(namespace, name));
  }

  /** Mutable copies of the objects in key order (etcd lists are ordered by key: namespace, then name). */
  list(storageKey: string, namespace?: string): JsonObject[] {
    return this.peekList(storageKey, namespace).map((obj) => cloneJson(obj));
  }

  /** The stored (frozen) objects in key order. */
  peekList(storageKey: string, namespace?: string): JsonObject[] {
    return this.#objects.get(storageKey)?.list(namespace, namespace === undefined) ?? [];
  }

  /** The stored (frozen) object with this uid. */
  byUid(uid: string): StoredRef | undefined {
    return this.#byUid.get(uid);
  }

  /** Uids of stored objects whose ownerReferences name `ownerUid` (whether or not that owner exists). */
  dependentUids(ownerUid: string): string[] {
    return [...(this.#dependents.get(ownerUid) ?? [])];
  }

  /** Stored (frozen) objects whose metadata.namespace is `namespace`, resource by resource, in key order. */
  inNamespace(namespace: string): StoredRef[] {
    const out: StoredRef[] = [];
    for (const [storageKey, bucket] of this.#objects) {
      for (const object of bucket.list(namespace, false)) out.push({ storageKey, object });
    }
    return out;
  }

  /** Orders stored objects as a scan of the whole store visits them: by resource, then by key. */
  compare(a: StoredRef, b: StoredRef): number {
    const byResource =
      (this.#objects.get(a.storageKey)?.order ?? Infinity) -
      (this.#objects.get(b.storageKey)?.order ?? Infinity);
    if (byResource !== 0 && !Number.isNaN(byResource)) return byResource;
    const ma = metadataOf(a.object);
    const mb = metadataOf(b.object);
    return compareKeys(
      objectKey(ma.namespace as string | undefined, String(ma.name)),
      objectKey(mb.namespace as string | undefined, String(mb.name)),
    );
  }

  storageKeys(): string[] {
    return [...this.#objects.keys()];
  }

  /**
   * Stamps a new resourceVersion on `obj` and stores it. The store takes `obj` over: it is frozen in place
   * (with everything under it) and returned, so the caller must not keep parts of it it still means to change.
   */
  put(storageKey: string, obj: JsonObject): JsonObject {
    const meta = metadataOf(obj);
    const key = objectKey(meta.namespace as string | undefined, String(meta.name));
    let bucket = this.#objects.get(storageKey);
    if (!bucket) {
      bucket = new Bucket(this.#objects.size);
      this.#objects.set(storageKey, bucket);
    }
    const previous = bucket.byKey.get(key);
    const stored = obj;
    meta.resourceVersion = String(++this.#revision);
    deepFreeze(stored);
    bucket.set(key, stored);
    this.#index(storageKey, previous, stored);
    this.#record({
      type: previous ? 'MODIFIED' : 'ADDED',
      storageKey,
      object: stored,
      previous,
      resourceVersion: this.#revision,
    });
    return stored;
  }

  /**
   * Removes the object; the DELETED event carries a fresh resourceVersion, as etcd's delete revision does.
   * `finalState` replaces the stored state in the event (an update that removed the last finalizer); the
   * store takes it over as put() does. Returns the removed state (frozen) with its last resourceVersion.
   */
  remove(
    storageKey: string,
    namespace: string | undefined,
    name: string,
    finalState?: JsonObject,
  ): JsonObject | undefined {
    const bucket = this.#objects.get(storageKey);
    const key = objectKey(namespace, name);
    const previous = bucket?.byKey.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key, previous);
    this.#index(storageKey, previous, undefined);
    const last = finalState ? deepFreeze(finalState) : previous;
    // Only the top level and metadata differ from `last`: the rest is shared (it is frozen).
    const final = deepFreeze({
      ...last,
      metadata: { ...metadataOf(last), resourceVersion: String(++this.#revision) },
    });
    this.#record({ type: 'DELETED', storageKey, object: final, previous, resourceVersion: this.#revision });
    return last;
  }

  /** Events with resourceVersion > `since`, or 'expired' when some of them have left the window. */
  eventsSince(since: number): StoreEvent[] | 'expired' {
    if (since < this.#oldestWatchable) return 'expired';
    // resourceVersions only grow: binary search for the first event after `since`.
    let lo = this.#historyStart;
    let hi = this.#history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#history[mid]!.resourceVersion > since) hi = mid;
      else lo = mid + 1;
    }
    return this.#history.slice(lo);
  }

  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Forgets all history, as an etcd compaction would. The revision moves on by one so that a fresh list
   * returns a resourceVersion that can be watched, while every older one gets 410 Gone.
   */
  expireHistory(): void {
    this.#revision += 1;
    this.#history = [];
    this.#historyStart = 0;
    this.#oldestWatchable = this.#revision;
  }

  /** Drops every object without emitting events (test reset); history is expired too. */
  clear(): void {
    this.#objects.clear();
    this.#byUid.clear();
    this.#dependents.clear();
    this.expireHistory();
  }

  /** Keeps the uid and owner indexes in step with a put (`next` set) or a removal (`next` undefined). */
  #index(storageKey: string, previous: JsonObject | undefined, next: JsonObject | undefined): void {
    const prevUid = previous ? String(metadataOf(previous).uid) : undefined;
    const nextUid = next ? String(metadataOf(next).uid) : undefined;
    if (prevUid !== undefined && prevUid !== nextUid) this.#byUid.delete(prevUid);
    if (next && nextUid !== undefined) this.#byUid.set(nextUid, { storageKey, object: next });
    const before = prevUid !== undefined ? ownerUids(previous) : [];
    const after = ownerUids(next);
    for (const owner of before) {
      if (prevUid === nextUid && after.includes(owner)) continue;
      const set = this.#dependents.get(owner);
      set?.delete(prevUid!);
      if (set?.size === 0) this.#dependents.delete(owner);
    }
    for (const owner of after) {
      let set = this.#dependents.get(owner);
      if (!set) {
        set = new Set();
        this.#dependents.set(owner, set);
      }
      set.add(nextUid!);
    }
  }

  #record(event: StoreEvent): void {
    this.#history.push(event);
    const excess = this.#history.length - this.#historyStart - this.#historyLimit;
    if (excess > 0) {
      this.#historyStart += excess;
      this.#oldestWatchable = this.#history[this.#historyStart - 1]!.resourceVersion;
      // Compact now and then rather than shifting the array on every write.
      if (this.#historyStart > 1024 && this.#historyStart * 2 > this.#history.length) {
        this.#history = this.#history.slice(this.#historyStart);
        this.#historyStart = 0;
      }
    }
    for (const listener of [...this.#listeners]) listener(event);
  }
}
