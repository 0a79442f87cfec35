// Checkpoints in the collector's own ConfigMap (one key per service), written through the Kubernetes API
// with resourceVersion preconditions so two writers can never silently overwrite each other.
import { KubeApiError, podNamespace, runtimeKubeApi, statusMessage, type KubeApi } from '../core/kube-api.ts';
import type { Logger } from '../logging/logger.ts';
import { CollectorError } from '../core/errors.ts';
import type { StateStore } from './store.ts';

const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;
const MAX_CONFLICT_RETRIES = 8;

export interface ConfigMapStoreOptions {
  name: string;
  namespace?: string;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** For tests: a ready API client instead of KUBECONFIG / the in-cluster service account. */
  api?: KubeApi;
}

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  data?: Record<string, string>;
}

export function configMapStore(opts: ConfigMapStoreOptions): StateStore {
  const api = opts.api ?? runtimeKubeApi(opts.env);
  const namespace = opts.namespace ?? podNamespace(opts.env) ?? 'default';
  const { name } = opts;
  const where = `ConfigMap ${namespace}/${name}`;
  const collection = `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
  const object = `${collection}/${encodeURIComponent(name)}`;
  let cached: ConfigMap | undefined;

  function fail(err: unknown, verb: string): never {
    if (err instanceof KubeApiError) {
      if (err.code === 403)
        throw new CollectorError(
          'CR_ERR_STATE_IO',
          `cannot ${verb} state ${where}: forbidden by RBAC; the collector's service account needs get, update and patch on configmaps named "${name}" in namespace "${namespace}"`,
          { cause: err },
        );
      throw new CollectorError(
        'CR_ERR_STATE_IO',
        `cannot ${verb} state ${where}: HTTP ${err.code} ${statusMessage(err.body)}`,
        {
          cause: err,
          retryable: err.code >= 500 || err.code === 429 || err.code === 409,
        },
      );
    }
    throw new CollectorError('CR_ERR_STATE_IO', `cannot ${verb} state ${where}: ${(err as Error).message}`, {
      cause: err,
      retryable: true,
    });
  }

  async function load(): Promise<ConfigMap | undefined> {
    try {
      cached = await api.request<ConfigMap>('GET', object);
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) cached = undefined;
      else fail(err, 'read');
    }
    return cached;
  }

  /** Read-modify-write with the resourceVersion precondition; on a conflict, re-read and try again. */
  async function mutate(change: (data: Record<string, string>) => boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = cached ?? (await load());
      const data = { ...(current?.data ?? {}) };
      if (!change(data)) return;
      const size = Object.entries(data).reduce(
        (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
        0,
      );
      if (size > CONFIGMAP_LIMIT_BYTES)
        throw new CollectorError(
          'CR_ERR_STATE_IO',
          `state ${where} would be ${size} bytes, over the 1 MiB ConfigMap limit: use PersistentVolumeClaim persistence for this collector`,
        );
      try {
        // PUT carries the resourceVersion read: the server refuses it (409) if someone wrote in between.
        cached = current
          ? await api.request<ConfigMap>('PUT', object, { body: { ...current, data } })
          : await api.request<ConfigMap>('POST', collection, {
              body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data },
            });
        return;
      } catch (err) {
        const conflict = err instanceof KubeApiError && (err.code === 409 || (err.code === 404 && current));
        if (!conflict || attempt >= MAX_CONFLICT_RETRIES) fail(err, 'write');
        opts.log.debug({ attempt }, 'Retrying a state write after a resourceVersion conflict');
        cached = undefined;
      }
    }
  }

  return {
    kind: 'configmap',
    limitBytes: CONFIGMAP_LIMIT_BYTES,
    async get(key) {
      return (await load())?.data?.[key];
    },
    async set(key, value) {
      await mutate((data) => {
        if (data[key] === value) return false;
        data[key] = value;
        return true;
      });
    },
    async delete(key) {
      await mutate((data) => {
        if (!(key in data)) return false;
        delete data[key];
        return true;
      });
    },
  };
}
