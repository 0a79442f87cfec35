// How the two referenced Secrets become files in the pod, and which keys they must hold. The runtime
// reads the Devo certificate as chain.crt/cert.crt/key.key under certs/ and each credential from
// credentials/<key> (the collectors' documented Docker layout), so config.yaml never holds a secret value.
import { credentialKeys } from '../api/offered-sources.ts';
import type { CollectorResource } from '../api/types.ts';
import type { SecretView } from './contract.ts';

export const TLS_SECRET_TYPE = 'kubernetes.io/tls';

/** File names under /devo-collector/certs that config.yaml names. */
export const CERT_FILES = { chain: 'chain.crt', cert: 'cert.crt', key: 'key.key' } as const;

/** Where a kubernetes.io/tls Secret (cert-manager, `kubectl create secret tls`) keeps each part. */
const TLS_KEYS = { chain: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;

export interface SecretProblem {
  secret: string;
  /** The CR field that names the Secret. */
  field: 'spec.credentialsSecretRef' | 'spec.output.certificateSecretRef';
  /** Undefined when the whole Secret is missing. */
  missingKeys?: string[];
  /** What the Secret should hold, for the message. */
  expected: string;
}

export function isTlsSecret(view: SecretView | undefined): boolean {
  if (view?.type) return view.type === TLS_SECRET_TYPE;
  return view?.keys.includes(TLS_KEYS.cert) ?? false;
}

/** Secret key → file name under certs/, for the volume's `items`. */
export function certificateItems(view: SecretView | undefined): { key: string; path: string }[] {
  const keys = isTlsSecret(view) ? TLS_KEYS : CERT_FILES;
  return (['chain', 'cert', 'key'] as const).map((part) => ({ key: keys[part], path: CERT_FILES[part] }));
}

/** The credential keys that become `<key>_file` settings: every required one, optional ones when present. */
export function credentialFileKeys(source: string, view: SecretView | undefined): string[] {
  const { required, optional } = credentialKeys(source);
  return [...required, ...optional.filter((k) => view?.keys.includes(k))];
}

export function secretProblems(
  collector: CollectorResource,
  secrets: Record<string, SecretView>,
): SecretProblem[] {
  const { spec } = collector;
  const problems: SecretProblem[] = [];
  const credentials = spec.credentialsSecretRef.name;
  const required = credentialKeys(spec.source).required;
  check(
    credentials,
    'spec.credentialsSecretRef',
    required,
    `the ${spec.source} credentials: keys ${required.join(', ')}`,
  );

  const certificate = spec.output.certificateSecretRef.name;
  const view = secrets[certificate];
  const tls = isTlsSecret(view);
  const certKeys = certificateItems(view).map((i) => i.key);
  const expected = tls
    ? `the Devo client certificate as a ${TLS_SECRET_TYPE} Secret: tls.crt, tls.key and the Devo chain in ca.crt`
    : `the Devo client certificate: keys ${certKeys.join(', ')} (or a ${TLS_SECRET_TYPE} Secret with tls.crt, tls.key, ca.crt)`;
  check(certificate, 'spec.output.certificateSecretRef', certKeys, expected);
  return problems;

  function check(name: string, field: SecretProblem['field'], keys: string[], expected: string): void {
    const found = secrets[name];
    if (!found?.exists) {
      problems.push({ secret: name, field, expected });
      return;
    }
    const missing = keys.filter((k) => !found.keys.includes(k));
    if (missing.length > 0) problems.push({ secret: name, field, missingKeys: missing, expected });
  }
}
