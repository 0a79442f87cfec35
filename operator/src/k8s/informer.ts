// client-node's ListWatch made long-lived: it relists by itself after 410 Gone, but any other failure (a 500,
// a 403, a failed list) fires `error` and the informer stops for good. We restart it with backoff. Objects are
// passed through a transform before they are cached (drop managedFields; Secrets keep only a digest).
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeRest } from './rest-client.ts';

export interface InformerOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** Lists go through the JSON client: the cache must hold plain JSON, as watch events are. */
  rest: KubeRest;
  /** Collection path, e.g. `/api/v1/namespaces/ns/configmaps`. */
  path: string;
  /** What the collection holds. List items of built-in kinds arrive without apiVersion/kind; we stamp them. */
  apiVersion: string;
  kind: string;
  log: Logger;
  labelSelector?: string;
  /** Applied to every listed or watched object before it is cached; defaults to dropping managedFields. */
  transform?: (obj: KubernetesObject) => T;
  /** Restart delay after an error: doubles from `initialMs` up to `maxMs`. */
  restartBackoff?: { initialMs: number; maxMs: number };
}

export interface InformerHandlers<T> {
  add?: (obj: T) => void;
  update?: (obj: T) => void;
  delete?: (obj: T) => void;
}

export interface Informer<T extends KubernetesObject> {
  /** Resolves once the first list is cached and the watch is open (or has failed and a restart is scheduled). */
  start(): Promise<void>;
  stop(): Promise<void>;
  on(handlers: InformerHandlers<T>): void;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  /** Resolves once the cache holds a complete list (after restarts, if the first attempts failed). */
  waitForSync(): Promise<void>;
  readonly synced: boolean;
}

export function stripManagedFields<T extends KubernetesObject>(obj: KubernetesObject): T {
  if (obj.metadata?.managedFields) {
    const { managedFields: _dropped, ...metadata } = obj.metadata;
    return { ...obj, metadata } as T;
  }
  return obj as T;
}

/** A Watch whose events pass through `transform`, so the cache never holds what the transform drops. */
class TransformingWatch extends Watch {
  readonly #transform: (obj: KubernetesObject) => KubernetesObject;
  constructor(kc: KubeConfig, transform: (obj: KubernetesObject) => KubernetesObject) {
    super(kc);
    this.#transform = transform;
  }
  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, obj, watchObj) => {
        const cached =
          phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED'
            ? this.#transform(obj as KubernetesObject)
            : obj;
        callback(phase, cached, watchObj);
      },
      done,
    );
  }
}

export function createInformer<T extends KubernetesObject>(opts: InformerOptions<T>): Informer<T> {
  const userTransform = opts.transform ?? stripManagedFields<T>;
  const transform = (obj: KubernetesObject): T =>
    userTransform(
      obj.kind && obj.apiVersion ? obj : { ...obj, apiVersion: opts.apiVersion, kind: opts.kind },
    );
  const backoff = opts.restartBackoff ?? { initialMs: 1000, maxMs: 30_000 };
  const log = opts.log.child({ informer: opts.kind });
  const listFn = async () => {
    const list = await opts.rest.get<KubernetesListObject<KubernetesObject>>(opts.path, {
      labelSelector: opts.labelSelector,
    });
    return { ...list, items: list.items.map(transform) };
  };
  const lw = new ListWatch<T>(
    opts.path,
    new TransformingWatch(opts.kc, transform),
    listFn,
    false,
    opts.labelSelector,
  );
  let stopped = true;
  let synced = false;
  let failedSinceStart = false;
  let delayMs = backoff.initialMs;
  let restartTimer: NodeJS.Timeout | undefined;
  let syncWaiters: (() => void)[] = [];

  async function startOnce(): Promise<void> {
    failedSinceStart = false;
    await lw.start();
    if (!failedSinceStart && !stopped) {
      synced = true;
      delayMs = backoff.initialMs;
      for (const resolve of syncWaiters) resolve();
      syncWaiters = [];
    }
  }

  lw.on('error', (err: unknown) => {
    failedSinceStart = true;
    // ListWatch reports its own abort on stop() as an error; nothing to restart then.
    if (stopped || restartTimer) return;
    log.warn({ err, retryInMs: delayMs }, 'Restarting informer after a watch or list error');
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopped) return;
      startOnce().catch((e: unknown) => log.error({ err: e }, 'Failed to restart informer'));
    }, delayMs);
    delayMs = Math.min(delayMs * 2, backoff.maxMs);
  });

  return {
    async start() {
      stopped = false;
      await startOnce();
    },
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      for (const resolve of syncWaiters) resolve();
      syncWaiters = [];
      await lw.stop();
    },
    on(handlers) {
      if (handlers.add) lw.on('add', handlers.add);
      if (handlers.update) lw.on('update', handlers.update);
      if (handlers.delete) lw.on('delete', handlers.delete);
    },
    waitForSync() {
      return synced ? Promise.resolve() : new Promise<void>((resolve) => syncWaiters.push(resolve));
    },
    get: (name, namespace) => lw.get(name, namespace),
    list: (namespace) => lw.list(namespace),
    get synced() {
      return synced;
    },
  };
}
