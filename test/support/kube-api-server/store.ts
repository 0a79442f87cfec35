// In-memory object storage with one global resourceVersion counter (like etcd's revision) and a bounded
// history of change events so watches can resume from a recent resourceVersion.

import { cloneJson, type JsonObject } from './json-value.ts';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: StoreEventType;
  storageKey: string;
  /** State after the change; for DELETED the last state, stamped with the deletion's resourceVersion. */
  object: JsonObject;
  /** State before the change (undefined for ADDED); watches use it for selector transitions. */
  previous: JsonObject | undefined;
  resourceVersion: number;
}

export type StoreListener = (event: StoreEvent) => void;

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export function metadataOf(obj: JsonObject): JsonObject {
  return obj.metadata as JsonObject;
}

export class ObjectStore {
  readonly #historyLimit: number;
  #revision = 0;
  readonly #objects = new Map<string, Map<string, JsonObject>>();
  #history: StoreEvent[] = [];
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

  get(storageKey: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const found = this.#objects.get(storageKey)?.get(objectKey(namespace, name));
    return found ? cloneJson(found) : undefined;
  }

  /** Objects in key order (etcd lists are ordered by key: namespace, then name). */
  list(storageKey: string, namespace?: string): JsonObject[] {
    const bucket = this.#objects.get(storageKey);
    if (!bucket) return [];
    return [...bucket.entries()]
      .filter(([, obj]) => namespace === undefined || metadataOf(obj).namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => cloneJson(obj));
  }

  storageKeys(): string[] {
    return [...this.#objects.keys()];
  }

  /** Stamps a new resourceVersion on `obj` and stores it; returns the stored copy. */
  put(storageKey: string, obj: JsonObject): JsonObject {
    const meta = metadataOf(obj);
    const key = objectKey(meta.namespace as string | undefined, String(meta.name));
    let bucket = this.#objects.get(storageKey);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(storageKey, bucket);
    }
    const previous = bucket.get(key);
    const stored = cloneJson(obj);
    metadataOf(stored).resourceVersion = String(++this.#revision);
    bucket.set(key, stored);
    this.#record({
      type: previous ? 'MODIFIED' : 'ADDED',
      storageKey,
      // Listeners get their own copy so nothing outside the store can alias a stored object.
      object: cloneJson(stored),
      previous,
      resourceVersion: this.#revision,
    });
    return cloneJson(stored);
  }

  /**
   * Removes the object; the DELETED event carries a fresh resourceVersion, as etcd's delete revision does.
   * `finalState` replaces the stored state in the event (an update that removed the last finalizer).
   */
  remove(
    storageKey: string,
    namespace: string | undefined,
    name: string,
    finalState?: JsonObject,
  ): JsonObject | undefined {
    const bucket = this.#objects.get(storageKey);
    const key = objectKey(namespace, name);
    const previous = bucket?.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key);
    const final = cloneJson(finalState ?? previous);
    metadataOf(final).resourceVersion = String(++this.#revision);
    this.#record({ type: 'DELETED', storageKey, object: final, previous, resourceVersion: this.#revision });
    return cloneJson(finalState ?? previous);
  }

  /** Events with resourceVersion > `since`, or 'expired' when some of them have left the window. */
  eventsSince(since: number): StoreEvent[] | 'expired' {
    if (since < this.#oldestWatchable) return 'expired';
    return this.#history.filter((e) => e.resourceVersion > since);
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
    this.#oldestWatchable = this.#revision;
  }

  /** Drops every object without emitting events (test reset); history is expired too. */
  clear(): void {
    this.#objects.clear();
    this.expireHistory();
  }

  #record(event: StoreEvent): void {
    this.#history.push(event);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped) this.#oldestWatchable = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }
}
