// Applies a Collector's children and remembers a hash of what it last applied, so a reconcile where nothing
// changed makes no write at all: an object is skipped when its desired form hashes the same as last time
// AND the informer cache still has it. A resync clears the memory, so drift is corrected at least then.
import type { KubernetesObject } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { applyObject, deleteObject, describeObject } from '../k8s/apply.ts';
import type { KubeRest } from '../k8s/rest-client.ts';
import { MANAGED_BY } from '../reconcile/child-meta.ts';
import { trimChild } from './cache-trim.ts';
import type { ClusterCache } from './cluster-cache.ts';

export function childKey(obj: KubernetesObject): string {
  return `${obj.apiVersion}/${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

export class ChildApplier {
  readonly #rest: KubeRest;
  readonly #cache: ClusterCache;
  readonly #log: Logger;
  /**
   * child key → hash of the last applied form, the `namespace/name` of its Collector, and what the server
   * answered (trimmed): fresher than the cache until the watch catches up with our own write.
   */
  readonly #applied = new Map<string, { hash: string; owner: string; response: KubernetesObject }>();

  constructor(deps: { rest: KubeRest; cache: ClusterCache; log: Logger }) {
    this.#rest = deps.rest;
    this.#cache = deps.cache;
    this.#log = deps.log;
  }

  /**
   * The object as last seen: the cached one, unless our own apply produced a newer generation the watch
   * has not delivered yet (right after a rollout starts, the cache still shows the old one as available).
   */
  current(obj: KubernetesObject): KubernetesObject | undefined {
    const found = this.#cache.owned(obj);
    const cached = found === 'unknown-kind' ? undefined : found;
    const response = this.#applied.get(childKey(obj))?.response;
    if (!cached || !response) return cached ?? response;
    return (cached.metadata?.generation ?? 0) >= (response.metadata?.generation ?? 0) ? cached : response;
  }

  /** Applies `obj` unless nothing changed; returns whether a write was made. */
  async apply(obj: KubernetesObject, owner: string): Promise<boolean> {
    const labelled = withManagedLabel(obj);
    const key = childKey(labelled);
    const hash = createHash('sha256').update(JSON.stringify(labelled)).digest('hex');
    const cached = this.#cache.owned(labelled);
    if (this.#applied.get(key)?.hash === hash && cached !== undefined && cached !== 'unknown-kind')
      return false;
    const response = await applyObject(this.#rest, labelled);
    this.#applied.set(key, { hash, owner, response: trimChild(response) });
    this.#log.debug({ object: describeObject(labelled) }, `Applied ${labelled.kind}`);
    return true;
  }

  async remove(obj: KubernetesObject): Promise<void> {
    await deleteObject(this.#rest, obj);
    this.#applied.delete(childKey(obj));
    this.#log.info({ object: describeObject(obj) }, `Deleted ${obj.kind}`);
  }

  /** Forgets what was applied for a Collector that is gone (its children go with it). */
  forget(owner: string): void {
    for (const [key, entry] of this.#applied) if (entry.owner === owner) this.#applied.delete(key);
  }

  clear(): void {
    this.#applied.clear();
  }
}

/** Children carry the managed-by label: the owned-object informers select on it. */
function withManagedLabel(obj: KubernetesObject): KubernetesObject {
  const labels = obj.metadata?.labels ?? {};
  if (labels['app.kubernetes.io/managed-by'] === MANAGED_BY) return obj;
  return {
    ...obj,
    metadata: { ...obj.metadata, labels: { ...labels, 'app.kubernetes.io/managed-by': MANAGED_BY } },
  };
}
