// The operator's one KubeConfig and the API clients built from it. Built once in cli/main.ts and passed down;
// no module here reads the environment on its own.
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import { OperatorError } from '../errors.ts';
import { KubeRest } from './rest-client.ts';

export interface KubeConfigOptions {
  /** An explicit kubeconfig file (--kubeconfig); wins over everything else. */
  kubeconfigPath?: string;
  /** Used only to tell in-cluster (KUBERNETES_SERVICE_HOST) from a workstation (KUBECONFIG, ~/.kube/config). */
  env: NodeJS.ProcessEnv;
}

export function loadKubeConfig(opts: KubeConfigOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfigPath) {
      if (!existsSync(opts.kubeconfigPath))
        throw new OperatorError('OP_ERR_KUBECONFIG', `kubeconfig ${opts.kubeconfigPath} does not exist`, {
          permanent: true,
        });
      kc.loadFromFile(opts.kubeconfigPath);
    } else if (opts.env.KUBERNETES_SERVICE_HOST && !opts.env.KUBECONFIG) {
      kc.loadFromCluster();
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    throw new OperatorError('OP_ERR_KUBECONFIG', `cannot load kubeconfig: ${(err as Error).message}`, {
      cause: err,
      permanent: true,
    });
  }
  if (!kc.getCurrentCluster())
    throw new OperatorError(
      'OP_ERR_KUBECONFIG',
      'no current cluster in the kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a pod',
      { permanent: true },
    );
  return kc;
}

export interface KubeClients {
  /** Auth and TLS for everything; client-node's Watch uses it directly. */
  kc: KubeConfig;
  /** Reads and writes of any kind (see rest-client.ts for why not the typed clients). */
  rest: KubeRest;
  /** The Lease only: a call every 2 s, where the typed client's cost does not matter. */
  coordination: CoordinationV1Api;
}

const pooled = new WeakSet<KubeConfig>();

/**
 * client-node 2.0.1 builds a new undici Agent for every request (its private createDispatcher), so no
 * connection is ever reused: one TCP (and TLS) handshake per call and idle sockets piling up until their
 * keep-alive expires. Hand out one Agent per distinct TLS/proxy setting instead.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as {
    createDispatcher?: (cluster: unknown, options: unknown) => Dispatcher | undefined;
  };
  if (pooled.has(kc) || typeof target.createDispatcher !== 'function') return kc;
  const original = target.createDispatcher.bind(kc);
  let cached: { key: string; dispatcher: Dispatcher | undefined } | undefined;
  target.createDispatcher = (cluster, options) => {
    const described = kc.createDispatcherOptions(cluster as never, options as never);
    const key = createHash('sha256').update(JSON.stringify(described)).digest('hex');
    if (cached?.key === key) return cached.dispatcher;
    // Rotated credentials: new Agent; the old one closes once its requests (watches included) are done.
    void cached?.dispatcher?.close().catch(() => undefined);
    cached = { key, dispatcher: original(cluster, options) };
    return cached.dispatcher;
  };
  pooled.add(kc);
  return kc;
}

export function createKubeClients(kc: KubeConfig): KubeClients {
  reuseConnections(kc);
  return {
    kc,
    rest: new KubeRest(kc),
    coordination: kc.makeApiClient(CoordinationV1Api),
  };
}
