// Checkpoints in the collector's own ConfigMap (one key per service), written through the Kubernetes API
// with resourceVersion preconditions so two writers can never silently overwrite each other.
import { ApiException, CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { podNamespace, runtimeKubeConfig } from '../core/kube-config.ts';
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
  /** For tests: a ready KubeConfig instead of KUBECONFIG / the in-cluster service account. */
  kubeConfig?: KubeConfig;
}

export function configMapStore(opts: ConfigMapStoreOptions): StateStore {
  const kc = opts.kubeConfig ?? runtimeKubeConfig(opts.env);
  const namespace = opts.namespace ?? podNamespace(opts.env) ?? 'default';
  const api = kc.makeApiClient(CoreV1Api);
  const { name } = opts;
  const where = `ConfigMap ${namespace}/${name}`;
  let cached: V1ConfigMap | undefined;

  function fail(err: unknown, verb: string): never {
    if (err instanceof ApiException) {
      if (err.code === 403)
        throw new CollectorError(
          'CR_ERR_STATE_IO',
          `cannot ${verb} state ${where}: forbidden by RBAC; the collector's service account needs get, update and patch on configmaps named "${name}" in namespace "${namespace}"`,
          { cause: err },
        );
      throw new CollectorError(
        'CR_ERR_STATE_IO',
        `cannot ${verb} state ${where}: HTTP ${err.code} ${statusMessage(err)}`,
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

  async function load(): Promise<V1ConfigMap | undefined> {
    try {
      cached = await api.readNamespacedConfigMap({ name, namespace });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) cached = undefined;
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
        cached = current
          ? await api.replaceNamespacedConfigMap({ name, namespace, body: { ...current, data } })
          : await api.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace }, data } });
        return;
      } catch (err) {
        const conflict = err instanceof ApiException && (err.code === 409 || (err.code === 404 && current));
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

function statusMessage(err: ApiException<unknown>): string {
  const body = err.body as { message?: string } | string | undefined;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 200);
    } catch {
      return body.slice(0, 200);
    }
  }
  return body?.message ?? '';
}
