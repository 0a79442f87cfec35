// The operator's view of the cluster: one informer per kind and watched namespace (or one cluster-wide set),
// and the maps from each watched object back to the Collector it affects. Event handlers only enqueue keys;
// every API call happens in the reconcile.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { CollectorResource, ServiceResource } from '../api/types.ts';
import { createInformer, type Informer } from '../k8s/informer.ts';
import type { KubeRest } from '../k8s/rest-client.ts';
import {
  COLLECTOR_KIND,
  collectionPath,
  kindKey,
  OWNED_KINDS,
  SECRET_KIND,
  SERVICE_KIND,
  type ResourceKind,
} from '../k8s/resource-kinds.ts';
import { COLLECTOR_LABEL, MANAGED_BY } from '../reconcile/child-meta.ts';
import { trimChild, trimCollector, trimService } from './cache-trim.ts';
import { digestSecret, type SecretDigest } from './secret-digest.ts';

export const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

/** Kinds whose status the reconcile reads; other children only matter when they appear or vanish. */
const STATUS_KINDS = new Set(['apps/v1/Deployment', 'batch/v1/Job']);

export interface ClusterCacheOptions {
  kc: KubeConfig;
  rest: KubeRest;
  log: Logger;
  /** Namespaces to watch; empty means all namespaces. */
  namespaces: readonly string[];
  enqueue: (key: string) => void;
  restartBackoff?: { initialMs: number; maxMs: number };
}

interface NamespaceInformers {
  collectors: Informer<CollectorResource & KubernetesObject>;
  services: Informer<ServiceResource & KubernetesObject>;
  secrets: Informer<SecretDigest>;
  owned: Map<string, Informer<KubernetesObject>>;
}

export function objectKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export class ClusterCache {
  readonly #opts: ClusterCacheOptions;
  /** '' holds the cluster-wide set when no namespaces are given. */
  readonly #sets = new Map<string, NamespaceInformers>();
  readonly #collectorGenerations = new Map<string, number | undefined>();
  readonly #serviceTargets = new Map<string, { collector: string; generation: number | undefined }>();
  readonly #servicesByCollector = new Map<string, Set<string>>();
  /** Owner uid → cached children (kind key → object key), so a reconcile never scans every child. */
  readonly #childrenByOwner = new Map<
    string,
    Map<string, { kind: string; namespace: string; name: string }>
  >();
  readonly #ownersOfChild = new Map<string, string[]>();

  constructor(opts: ClusterCacheOptions) {
    this.#opts = opts;
    const scopes = opts.namespaces.length > 0 ? opts.namespaces : [''];
    for (const ns of scopes) this.#sets.set(ns, this.#buildSet(ns || undefined));
  }

  async start(): Promise<void> {
    const all = [...this.#sets.values()].flatMap((s) => [
      s.collectors,
      s.services,
      s.secrets,
      ...s.owned.values(),
    ]);
    await Promise.all(all.map((i) => i.start()));
    await Promise.all(all.map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    const all = [...this.#sets.values()].flatMap((s) => [
      s.collectors,
      s.services,
      s.secrets,
      ...s.owned.values(),
    ]);
    await Promise.all(all.map((i) => i.stop()));
  }

  get synced(): boolean {
    return [...this.#sets.values()].every(
      (s) =>
        s.collectors.synced &&
        s.services.synced &&
        s.secrets.synced &&
        [...s.owned.values()].every((i) => i.synced),
    );
  }

  collectorKeys(): string[] {
    return [...this.#sets.values()].flatMap((s) =>
      s.collectors.list().map((c) => objectKey(c.metadata.namespace, c.metadata.name)),
    );
  }

  collectorCount(): number {
    return [...this.#sets.values()].reduce((n, s) => n + s.collectors.list().length, 0);
  }

  servicesOf(namespace: string, collector: string): ServiceResource[] {
    const keys = this.#servicesByCollector.get(objectKey(namespace, collector)) ?? new Set();
    const set = this.#setFor(namespace);
    return [...keys]
      .map((k) => set?.services.get(splitKey(k).name, namespace))
      .filter((s): s is ServiceResource & KubernetesObject => s !== undefined)
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  }

  secret(namespace: string, name: string): SecretDigest | undefined {
    return this.#setFor(namespace)?.secrets.get(name, namespace);
  }

  /** A cached child, or undefined when the kind is not watched or the object does not exist. */
  owned(obj: KubernetesObject): KubernetesObject | undefined | 'unknown-kind' {
    const informer = this.#setFor(obj.metadata?.namespace ?? '')?.owned.get(
      kindKey(obj.apiVersion, obj.kind),
    );
    if (!informer) return 'unknown-kind';
    return informer.get(obj.metadata?.name ?? '', obj.metadata?.namespace);
  }

  /** Every watched child whose controller owner reference points at this Collector uid. */
  ownedBy(namespace: string, uid: string): KubernetesObject[] {
    const set = this.#setFor(namespace);
    const children = this.#childrenByOwner.get(uid);
    if (!set || !children) return [];
    const out: KubernetesObject[] = [];
    for (const c of children.values()) {
      const o = set.owned.get(c.kind)?.get(c.name, c.namespace);
      if (o) out.push(o);
    }
    return out;
  }

  /** Keeps the owner index in step with one owned informer event. */
  #indexChild(kind: string, o: KubernetesObject, deleted: boolean): void {
    const namespace = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    const id = `${kind}|${namespace}/${name}`;
    for (const uid of this.#ownersOfChild.get(id) ?? []) {
      const children = this.#childrenByOwner.get(uid);
      children?.delete(id);
      if (children?.size === 0) this.#childrenByOwner.delete(uid);
    }
    this.#ownersOfChild.delete(id);
    if (deleted) return;
    const owners = (o.metadata?.ownerReferences ?? []).map((r) => r.uid);
    if (owners.length === 0) return;
    this.#ownersOfChild.set(id, owners);
    for (const uid of owners) {
      let children = this.#childrenByOwner.get(uid);
      if (!children) this.#childrenByOwner.set(uid, (children = new Map()));
      children.set(id, { kind, namespace, name });
    }
  }

  #setFor(namespace: string): NamespaceInformers | undefined {
    return this.#sets.get(namespace) ?? this.#sets.get('');
  }

  #informer<T extends KubernetesObject>(
    kind: ResourceKind,
    namespace: string | undefined,
    extra: { labelSelector?: string; transform?: (o: KubernetesObject) => T } = {},
  ): Informer<T> {
    return createInformer<T>({
      kc: this.#opts.kc,
      rest: this.#opts.rest,
      log: this.#opts.log,
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      path: collectionPath(kind, namespace),
      restartBackoff: this.#opts.restartBackoff,
      ...extra,
    });
  }

  #buildSet(namespace: string | undefined): NamespaceInformers {
    const enqueue = this.#opts.enqueue;
    // Trimmed: identity, generation and Secret names only (see cache-trim.ts).
    const collectors = this.#informer<CollectorResource & KubernetesObject>(COLLECTOR_KIND, namespace, {
      transform: trimCollector as (o: KubernetesObject) => CollectorResource & KubernetesObject,
    });
    collectors.on({
      add: (c) => this.#onCollector(c, true),
      update: (c) => this.#onCollector(c, false),
      delete: (c) => {
        const key = objectKey(c.metadata.namespace, c.metadata.name);
        this.#collectorGenerations.delete(key);
        enqueue(key);
      },
    });

    const services = this.#informer<ServiceResource & KubernetesObject>(SERVICE_KIND, namespace, {
      transform: trimService as (o: KubernetesObject) => ServiceResource & KubernetesObject,
    });
    services.on({
      add: (s) => this.#onService(s, false),
      update: (s) => this.#onService(s, false),
      delete: (s) => this.#onService(s, true),
    });

    const secrets = this.#informer<SecretDigest>(SECRET_KIND, namespace, { transform: digestSecret });
    const onSecret = (s: SecretDigest) => {
      const ns = s.metadata?.namespace ?? '';
      for (const c of collectors.list(ns)) {
        const refs: (string | undefined)[] = [
          c.spec?.credentialsSecretRef?.name,
          c.spec?.output?.certificateSecretRef?.name,
        ];
        if (refs.includes(s.metadata?.name)) enqueue(objectKey(ns, c.metadata.name));
      }
    };
    secrets.on({ add: onSecret, update: onSecret, delete: onSecret });

    const owned = new Map<string, Informer<KubernetesObject>>();
    for (const kind of OWNED_KINDS) {
      const informer = this.#informer<KubernetesObject>(kind, namespace, {
        labelSelector: MANAGED_SELECTOR,
        transform: trimChild,
      });
      const toCollector = (o: KubernetesObject) => {
        const owner = o.metadata?.ownerReferences?.find(
          (r) => r.kind === COLLECTOR_KIND.kind && r.controller,
        );
        const name = owner?.name ?? o.metadata?.labels?.[COLLECTOR_LABEL];
        if (name) enqueue(objectKey(o.metadata?.namespace, name));
      };
      const key = kindKey(kind.apiVersion, kind.kind);
      const statusMatters = STATUS_KINDS.has(key);
      informer.on({
        add: (o) => {
          this.#indexChild(key, o, false);
          toCollector(o);
        },
        update: (o) => {
          this.#indexChild(key, o, false);
          if (statusMatters) toCollector(o);
        },
        delete: (o) => {
          this.#indexChild(key, o, true);
          toCollector(o);
        },
      });
      owned.set(key, informer);
    }
    return { collectors, services, secrets, owned };
  }

  #onCollector(c: CollectorResource, added: boolean): void {
    const key = objectKey(c.metadata.namespace, c.metadata.name);
    const generation = c.metadata.generation;
    // Our own status writes come back as updates with the same generation: nothing to do for them.
    if (!added && this.#collectorGenerations.get(key) === generation && !c.metadata.deletionTimestamp) return;
    this.#collectorGenerations.set(key, generation);
    this.#opts.enqueue(key);
  }

  #onService(s: ServiceResource, deleted: boolean): void {
    const key = objectKey(s.metadata.namespace, s.metadata.name);
    const before = this.#serviceTargets.get(key);
    const target = objectKey(s.metadata.namespace, s.spec?.collectorRef?.name);
    if (before) this.#servicesByCollector.get(before.collector)?.delete(key);
    if (deleted) {
      this.#serviceTargets.delete(key);
    } else {
      this.#serviceTargets.set(key, { collector: target, generation: s.metadata.generation });
      let set = this.#servicesByCollector.get(target);
      if (!set) this.#servicesByCollector.set(target, (set = new Set()));
      set.add(key);
    }
    const changed =
      deleted || !before || before.collector !== target || before.generation !== s.metadata.generation;
    if (!changed) return;
    if (before && before.collector !== target) this.#opts.enqueue(before.collector);
    this.#opts.enqueue(target);
  }
}
