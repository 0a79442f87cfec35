// The cluster's PKI, made with the openssl CLI: a CA, the apiserver's serving certificate (the SANs a
// client inside or outside the cluster may use), client certificates for any user and groups (Kubernetes
// reads the user from CN and the groups from O), and the service-account signing key pair.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { certArgs, opensslConfig } from '../tls-certs.ts';

const run = promisify(execFile);

const OPENSSL_CONFIG = opensslConfig({
  serverAltNames:
    'IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
  keyUsage: 'critical,digitalSignature,keyEncipherment',
});

export interface CertPair {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: CertPair;
  apiserver: CertPair;
  /** Service-account token signing: private key for the apiserver and controller-manager, public for checks. */
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** A client certificate for `user` in `groups`, signed by the cluster CA. */
  clientCert(user: string, groups?: string[]): Promise<CertPair>;
}

function subjectPart(value: string): string {
  return value.replace(/[/\\=+,]/g, (c) => `\\${c}`);
}

export async function generateClusterPki(dir: string): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, OPENSSL_CONFIG);
  const make = async (role: 'ca' | 'server' | 'client', name: string, subject: string, issuer?: CertPair) => {
    const out = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
    await run('openssl', certArgs(config, role, subject, out, issuer, 30));
    return out;
  };
  const serviceAccountKey = join(dir, 'sa.key');
  const serviceAccountPub = join(dir, 'sa.pub');
  const [ca] = await Promise.all([
    make('ca', 'ca', '/CN=devo-test-kubernetes-ca'),
    run('openssl', ['genrsa', '-out', serviceAccountKey, '2048']).then(() =>
      run('openssl', ['rsa', '-in', serviceAccountKey, '-pubout', '-out', serviceAccountPub]),
    ),
  ]);
  const apiserver = await make('server', 'apiserver', '/CN=kube-apiserver', ca);
  let n = 0;
  return {
    ca,
    apiserver,
    serviceAccountKey,
    serviceAccountPub,
    clientCert: (user, groups = []) =>
      make(
        'client',
        `client-${++n}`,
        `${groups.map((g) => `/O=${subjectPart(g)}`).join('')}/CN=${subjectPart(user)}`,
        ca,
      ),
  };
}
