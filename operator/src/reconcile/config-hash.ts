// The pod-template annotation that rolls the collector: it covers everything mounted into the pod, the
// rendered config.yaml and the referenced Secrets' content hashes, so a config edit or a certificate
// rotation starts a new pod (the Go operators hash only the config and miss rotations).
import { createHash } from 'node:crypto';
import type { SecretView } from './contract.ts';

export function configHash(configText: string, secrets: readonly (SecretView | undefined)[]): string {
  const refs = secrets
    .filter((s): s is SecretView => s !== undefined)
    .map((s) => `${s.name}=${s.exists ? (s.hash ?? `keys:${[...s.keys].sort().join(',')}`) : 'missing'}`)
    .sort();
  return createHash('sha256')
    .update(JSON.stringify({ config: configText, secrets: [...new Set(refs)] }))
    .digest('hex');
}
