// A kubeconfig for the test server: plain http on loopback with a bearer token. client-node 2.x refuses
// http:// clusters unless insecure-skip-tls-verify is set, so it always is.

import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token: string;
  namespace?: string;
}

export const CONTEXT_NAME = 'kube-api-test-server';

export function renderKubeconfig(opts: KubeconfigOptions): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server: opts.server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'test-user', user: { token: opts.token } }],
    contexts: [
      {
        name: CONTEXT_NAME,
        context: { cluster: CONTEXT_NAME, user: 'test-user', namespace: opts.namespace ?? 'default' },
      },
    ],
    'current-context': CONTEXT_NAME,
    preferences: {},
  });
}
