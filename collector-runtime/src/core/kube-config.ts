// How the runtime reaches the Kubernetes API: KUBECONFIG when set (tests, out-of-cluster), else the pod's
// service account.
import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';

export function runtimeKubeConfig(env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  if (env.KUBECONFIG) kc.loadFromFile(env.KUBECONFIG);
  else kc.loadFromCluster();
  return kc;
}

export function podNamespace(env: NodeJS.ProcessEnv): string | undefined {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
  } catch {
    return undefined;
  }
}
