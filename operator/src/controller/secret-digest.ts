// What the operator keeps of a Secret: its name, type, key names and a sha256 over the content. The values
// are dropped as soon as an object arrives from the API server, so they never sit in the informer cache
// and can never reach a log line or a status message.
import type { KubernetesObject } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { SecretView } from '../reconcile/contract.ts';

export interface SecretDigest extends KubernetesObject {
  type?: string;
  keys: string[];
  hash: string;
}

interface SecretLike extends KubernetesObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The informer transform for Secrets. */
export function digestSecret(obj: KubernetesObject): SecretDigest {
  const secret = obj as SecretLike;
  // data is base64; stringData only shows up on objects built by hand (tests), never from a real server.
  const entries = new Map<string, string>();
  for (const [k, v] of Object.entries(secret.data ?? {})) entries.set(k, v);
  for (const [k, v] of Object.entries(secret.stringData ?? {}))
    entries.set(k, Buffer.from(v).toString('base64'));
  const keys = [...entries.keys()].sort();
  const hash = createHash('sha256');
  for (const k of keys) hash.update(`${k}\0${entries.get(k)}\0`);
  const meta = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion ?? 'v1',
    kind: obj.kind ?? 'Secret',
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
    },
    type: secret.type,
    keys,
    hash: hash.digest('hex'),
  };
}

export function secretView(name: string, digest: SecretDigest | undefined): SecretView {
  if (!digest) return { name, exists: false, keys: [] };
  return { name, exists: true, keys: digest.keys, hash: digest.hash, type: digest.type };
}
