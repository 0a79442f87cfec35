// A synchronous stand-in for kube-controller-manager's garbage collector and namespace controller:
// ownerReference cascades (Background, Foreground with blockOwnerDeletion, Orphan), dangling-owner cleanup and
// draining of terminating namespaces. Real GC is asynchronous; here it runs right after each write.

import { isJsonObject, type JsonObject } from './json-value.ts';
import type { ResourceType } from './resource-types.ts';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface StoredEntry {
  type: ResourceType;
  object: JsonObject;
}

export interface GcHost {
  allObjects(): StoredEntry[];
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

  constructor(host: GcHost) {
    this.#host = host;
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

  #step(): boolean {
    const entries = this.#host.allObjects();
    const byUid = new Map<string, StoredEntry>();
    for (const e of entries) byUid.set(String(meta(e.object).uid), e);
    const dependentsOf = (uid: unknown): StoredEntry[] =>
      entries.filter((e) => ownerRefs(e.object).some((r) => r.uid === uid));

    for (const entry of entries) {
      const m = meta(entry.object);
      if (!m.deletionTimestamp) continue;
      const finalizers = finalizersOf(entry.object);
      if (finalizers.includes('orphan')) {
        const dep = dependentsOf(m.uid)[0];
        if (dep) {
          const next = structuredClone(dep.object);
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
        const dependents = dependentsOf(m.uid);
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
        const contents = entries.filter((e) => e.type.namespaced && meta(e.object).namespace === m.name);
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
    for (const entry of entries) {
      const refs = ownerRefs(entry.object);
      if (refs.length === 0 || meta(entry.object).deletionTimestamp) continue;
      const ns = meta(entry.object).namespace;
      const ownerAlive = refs.some((r) => {
        const owner = byUid.get(String(r.uid));
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
    const next = structuredClone(entry.object);
    meta(next).finalizers = finalizersOf(next).filter((f) => f !== finalizer);
    this.#host.updateObject(entry, next);
  }
}
