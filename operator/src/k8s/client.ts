// The operator's one KubeConfig and the API clients built from it. Built once in cli/main.ts and passed down;
// no module here reads the environment on its own.
import { CoordinationV1Api, KubeConfig, type RequestContext } from '@kubernetes/client-node';
import type { AgentOptions } from 'node:https';
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

/**
 * client-node 2.0.1 builds a new undici Agent for every request and watch (in applySecurityAuthentication),
 * so no connection is ever reused: one TCP (and TLS) handshake per call and idle sockets piling up until
 * their keep-alive expires. It offers no option for a dispatcher of one's own, and middleware reaches only
 * the generated clients, not Watch or our KubeRest. What every request does go through is the public
 * SecurityAuthentication hook, applySecurityAuthentication(context), and RequestContext.setDispatcher is
 * public too: this KubeConfig lets the library build its Agent (it opens nothing until used) and hands out
 * one Agent per distinct TLS/proxy setting instead.
 */
export class PooledKubeConfig extends KubeConfig {
  #pooled: { key: string; dispatcher: Dispatcher } | undefined;

  static from(kc: KubeConfig): PooledKubeConfig {
    if (kc instanceof PooledKubeConfig) return kc;
    const pooled = new PooledKubeConfig();
    pooled.loadFromOptions({
      clusters: kc.clusters,
      contexts: kc.contexts,
      users: kc.users,
      currentContext: kc.currentContext,
    });
    return pooled;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    // The same TLS material and proxy (re-read like the library does, so rotated files count) → same Agent.
    const tls: AgentOptions = {};
    await this.applyToHTTPSOptions(tls);
    const described = this.createDispatcherOptions(this.getCurrentCluster(), tls);
    const key = createHash('sha256').update(JSON.stringify(described)).digest('hex');
    if (this.#pooled?.key !== key) {
      // Rotated credentials: new Agent; the old one closes once its requests (watches included) are done.
      void this.#pooled?.dispatcher.close().catch(() => undefined);
      this.#pooled = { key, dispatcher: fresh };
    } else void fresh.close().catch(() => undefined);
    context.setDispatcher(this.#pooled.dispatcher);
  }
}

export function createKubeClients(config: KubeConfig): KubeClients {
  const kc = PooledKubeConfig.from(config);
  return {
    kc,
    rest: new KubeRest(kc),
    coordination: kc.makeApiClient(CoordinationV1Api),
  };
}
