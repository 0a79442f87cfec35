// A synchronous stand-in for kube-controller-manager's garbage collector and namespace controller:
// ownerReference cascades (Background, Foreground with blockOwnerDeletion, Orphan), dangling-owner cleanup and
// draining of terminating namespaces. Real GC is asynchronous; here it runs right after each write.
//
// It does not scan the store. It watches the store's events and keeps two small work lists: objects being
// deleted (deletionTimestamp set) and objects whose owners may have gone (written with ownerReferences, or
// a dependent of something just removed). Each step looks only at those, in the order a scan of the whole
// store would visit them, so a write that concerns nobody's ownership costs next to nothing.

import { cloneJson, isJsonObject, type JsonObject } from './json-value.ts';
import type { ResourceType } from './resource-types.ts';
import type { StoreEvent } from './store.ts';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface StoredEntry {
  type: ResourceType;
  /** The stored object: read-only (frozen). */
  object: JsonObject;
}

export interface GcHost {
  /** The stored object with this uid, if it exists and its resource is still served. */
  byUid(uid: string): StoredEntry | undefined;
  /** Uids of the objects whose ownerReferences name `uid`. */
  dependentUids(uid: string): string[];
  /** The namespaced objects in `namespace`. */
  namespaceContents(namespace: string): StoredEntry[];
  /** The order in which a scan of the whole store would visit two objects. */
  compare(a: StoredEntry, b: StoredEntry): number;
  /** Deletes as a client would (finalizers respected). */
  deleteObject(entry: StoredEntry, policy: PropagationPolicy): void;
  /** Persists a modified copy of the object (finalizer or ownerReference edits). */
  updateObject(entry: StoredEntry, next: JsonObject): void;
  /** Removes a namespace whose contents are gone. */
  removeNamespace(entry: StoredEntry): void;
}

function meta(obj: JsonObject): JsonObject {
  return obj.metadata as JsonObject;
}

function finalizersOf(obj: JsonObject): string[] {
  const f = meta(obj).finalizers;
  return Array.isArray(f) ? f.map(String) : [];
}

function ownerRefs(obj: JsonObject): JsonObject[] {
  const refs = meta(obj).ownerReferences;
  return Array.isArray(refs) ? refs.filter(isJsonObject) : [];
}

export class GarbageCollector {
  readonly #host: GcHost;
  #running = false;
  /** Uids of objects with a deletionTimestamp. */
  readonly #deleting = new Set<string>();
  /** Uids of objects with ownerReferences whose owners have not been checked since they last changed. */
  readonly #unchecked = new Set<string>();

  constructor(host: GcHost) {
    this.#host = host;
  }

  /** Feed every store event here (synchronously) so the work lists stay current. */
  observe(event: StoreEvent): void {
    const m = meta(event.object);
    const uid = String(m.uid);
    if (event.type === 'DELETED') {
      this.#deleting.delete(uid);
      this.#unchecked.delete(uid);
      for (const dependent of this.#host.dependentUids(uid)) this.#unchecked.add(dependent);
      return;
    }
    if (m.deletionTimestamp) this.#deleting.add(uid);
    else this.#deleting.delete(uid);
    if (ownerRefs(event.object).length > 0) this.#unchecked.add(uid);
  }

  /** Performs one action at a time until nothing is left to do; re-entrant calls are absorbed. */
  run(): void {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let step = 0; step < 10_000 && this.#step(); step++);
    } finally {
      this.#running = false;
    }
  }

  /** The live entries for `uids`, in store order; uids of objects that are gone leave the set. */
  #resolve(uids: Set<string>): StoredEntry[] {
    const entries: StoredEntry[] = [];
    for (const uid of uids) {
      const entry = this.#host.byUid(uid);
      if (entry) entries.push(entry);
      else uids.delete(uid);
    }
    return entries.sort((a, b) => this.#host.compare(a, b));
  }

  #dependentsOf(uid: unknown): StoredEntry[] {
    const entries: StoredEntry[] = [];
    for (const dependent of this.#host.dependentUids(String(uid))) {
      const entry = this.#host.byUid(dependent);
      if (entry && ownerRefs(entry.object).some((r) => r.uid === uid)) entries.push(entry);
    }
    return entries.sort((a, b) => this.#host.compare(a, b));
  }

  #step(): boolean {
    if (this.#deleting.size === 0 && this.#unchecked.size === 0) return false;

    for (const entry of this.#resolve(this.#deleting)) {
      const m = meta(entry.object);
      if (!m.deletionTimestamp) {
        this.#deleting.delete(String(m.uid));
        continue;
      }
      const finalizers = finalizersOf(entry.object);
      if (finalizers.includes('orphan')) {
        const dep = this.#dependentsOf(m.uid)[0];
        if (dep) {
          const next = cloneJson(dep.object);
          const remaining = ownerRefs(next).filter((r) => r.uid !== m.uid);
          if (remaining.length > 0) meta(next).ownerReferences = remaining;
          else delete meta(next).ownerReferences;
          this.#host.updateObject(dep, next);
        } else {
          this.#removeFinalizer(entry, 'orphan');
        }
        return true;
      }
      if (finalizers.includes('foregroundDeletion')) {
        const dependents = this.#dependentsOf(m.uid);
        const live = dependents.find((dep) => !meta(dep.object).deletionTimestamp);
        if (live) {
          this.#host.deleteObject(live, 'Foreground');
          return true;
        }
        // Only dependents with blockOwnerDeletion hold the owner back.
        const blocking = dependents.some((dep) =>
          ownerRefs(dep.object).some((r) => r.uid === m.uid && r.blockOwnerDeletion === true),
        );
        if (!blocking) {
          this.#removeFinalizer(entry, 'foregroundDeletion');
          return true;
        }
      }
      if (entry.type.storageKey === '/namespaces') {
        const contents = this.#host.namespaceContents(String(m.name));
        const live = contents.find((item) => !meta(item.object).deletionTimestamp);
        if (live) {
          this.#host.deleteObject(live, 'Background');
          return true;
        }
        if (contents.length === 0 && finalizers.length === 0) {
          this.#host.removeNamespace(entry);
          return true;
        }
      }
    }

    // Dependents whose owners are all gone (by uid, same namespace) are deleted in the background.
    for (const entry of this.#resolve(this.#unchecked)) {
      const m = meta(entry.object);
      const refs = ownerRefs(entry.object);
      this.#unchecked.delete(String(m.uid));
      if (refs.length === 0 || m.deletionTimestamp) continue;
      const ns = m.namespace;
      const ownerAlive = refs.some((r) => {
        const owner = this.#host.byUid(String(r.uid));
        if (!owner) return false;
        const ownerNs = meta(owner.object).namespace;
        return ownerNs === undefined || ownerNs === ns;
      });
      if (!ownerAlive) {
        this.#host.deleteObject(entry, 'Background');
        return true;
      }
    }
    return false;
  }

  #removeFinalizer(entry: StoredEntry, finalizer: string): void {
    const next = cloneJson(entry.object);
    meta(next).finalizers = finalizersOf(next).filter((f) => f !== finalizer);
    this.#host.updateObject(entry, next);
  }
}
