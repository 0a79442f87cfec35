// A throw-away PKI for TLS tests, made with the openssl CLI (EC P-256: ~10 ms a certificate).
//
// Layout under `dir` (file names follow Devo's X.509 credential download):
//   chain.crt, ca.key               the CA that Devo's endpoint and the domain certificate chain to
//   server/localhost.crt|.key       the server (receiver) certificate: CN=localhost, SAN DNS:localhost + IP:127.0.0.1
//   <domain>.crt, <domain>.key      the "Devo domain" client certificate, signed by chain.crt
//   untrusted/chain.crt, ca.key     a second CA that no receiver trusts
//   untrusted/<domain>.crt|.key     a client certificate signed by that untrusted CA (negative tests)
// and, on request (notYetValidClientCert), a client certificate whose validity starts in 2099.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  /** The Devo domain name used for the client certificate file names. */
  domain: string;
  /** CA certificate (Devo's `chain.crt`) trusted by receivers and clients. */
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate and key signed by `caCert`: `<domain>.crt`, `<domain>.key`. */
  clientCert: string;
  clientKey: string;
  /** A CA nobody trusts, and a client certificate signed by it (same file names, other folder). */
  untrusted: { dir: string; caCert: string; caKey: string; clientCert: string; clientKey: string };
}

/** The extension sections a certificate's role picks, with the SANs and key usage of the PKI at hand. */
export function opensslConfig(o: { serverAltNames: string; keyUsage: string }): string {
  return `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = ${o.keyUsage}
extendedKeyUsage = serverAuth
subjectAltName = ${o.serverAltNames}
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = ${o.keyUsage}
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;
}

// One config file for every certificate; the extension section picks the role.
const OPENSSL_CONFIG = opensslConfig({
  serverAltNames: 'DNS:localhost,IP:127.0.0.1',
  keyUsage: 'critical,digitalSignature',
});

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc'];

/** `openssl` arguments for a new EC key and a certificate of `role`, self-signed or signed by `issuer`. */
export function certArgs(
  configFile: string,
  role: 'ca' | 'server' | 'client',
  subject: string,
  out: { cert: string; key: string },
  issuer?: { cert: string; key: string },
  days = role === 'ca' ? 3650 : 825,
): string[] {
  const args = ['req', '-x509', '-config', configFile, '-extensions', role, ...EC_KEY];
  args.push('-keyout', out.key, '-out', out.cert, '-subj', subject, '-days', String(days));
  if (issuer) args.push('-CA', issuer.cert, '-CAkey', issuer.key);
  return args;
}

async function makeCert(...a: Parameters<typeof certArgs>): Promise<void> {
  await run('openssl', certArgs(...a));
}

export interface ClientPem {
  chain: string;
  cert: string;
  key: string;
}

let clientPem: ClientPem | undefined;
const FIXTURE_VALIDITY = { from: '20200101000000Z', to: '20991231000000Z' };

/**
 * The PEM text of a CA and a client certificate and key it signed, made once per process (synchronously,
 * for fixtures that write config layouts).
 */
export function testClientPem(): ClientPem {
  if (clientPem) return clientPem;
  const dir = mkdtempSync(join(tmpdir(), 'client-pem-'));
  try {
    const configFile = join(dir, 'openssl.cnf');
    writeFileSync(configFile, OPENSSL_CONFIG);
    const ca = { cert: join(dir, 'chain.crt'), key: join(dir, 'ca.key') };
    const client = { cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
    execFileSync('openssl', certArgs(configFile, 'ca', '/CN=Test Devo CA', ca), { stdio: 'ignore' });
    // Valid since 2020: fixtures validate at fixed past instants (config-fixture.ts NOW).
    issueClientCert(ca, '/CN=testdomain', client, FIXTURE_VALIDITY);
    clientPem = {
      chain: readFileSync(ca.cert, 'utf8'),
      cert: readFileSync(client.cert, 'utf8'),
      key: readFileSync(client.key, 'utf8'),
    };
    return clientPem;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates the CA, server, client and untrusted certificates under `dir` (created if missing). */
export async function generateTestPki(dir: string, domain = 'testdomain'): Promise<TestPki> {
  const untrustedDir = join(dir, 'untrusted');
  const serverDir = join(dir, 'server');
  await Promise.all([mkdir(untrustedDir, { recursive: true }), mkdir(serverDir, { recursive: true })]);
  const configFile = join(dir, 'openssl.cnf');
  await writeFile(configFile, OPENSSL_CONFIG);

  const ca = { cert: join(dir, 'chain.crt'), key: join(dir, 'ca.key') };
  const other = { cert: join(untrustedDir, 'chain.crt'), key: join(untrustedDir, 'ca.key') };
  await Promise.all([
    makeCert(configFile, 'ca', '/CN=Test Devo CA', ca),
    makeCert(configFile, 'ca', '/CN=Untrusted Test CA', other),
  ]);

  const server = { cert: join(serverDir, 'localhost.crt'), key: join(serverDir, 'localhost.key') };
  const client = { cert: join(dir, `${domain}.crt`), key: join(dir, `${domain}.key`) };
  const rogue = { cert: join(untrustedDir, `${domain}.crt`), key: join(untrustedDir, `${domain}.key`) };
  await Promise.all([
    makeCert(configFile, 'server', '/CN=localhost', server, ca),
    makeCert(configFile, 'client', `/CN=${domain}`, client, ca),
    makeCert(configFile, 'client', `/CN=${domain}`, rogue, other),
  ]);

  return {
    dir,
    domain,
    caCert: ca.cert,
    caKey: ca.key,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    untrusted: {
      dir: untrustedDir,
      caCert: other.cert,
      caKey: other.key,
      clientCert: rogue.cert,
      clientKey: rogue.key,
    },
  };
}

/** From 2099-12-31 to 2100-12-31: a certificate not valid yet (a clock behind, or issued for later). */
export const NOT_YET_VALID = { from: '20991231000000Z', to: '21001231000000Z' };

/**
 * A client certificate for `subject` and its new key, signed by `ca`, valid from `validity.from` to
 * `validity.to` (openssl's YYYYMMDDHHMMSSZ). `openssl req -x509` can only start a validity now; `openssl ca`
 * can start it anywhere, given a throw-away CA database (index.txt, serial) in a temporary folder.
 */
function issueClientCert(
  ca: { cert: string; key: string },
  subject: string,
  out: { cert: string; key: string },
  validity: { from: string; to: string },
): void {
  const db = mkdtempSync(join(tmpdir(), 'openssl-ca-'));
  try {
    const configFile = join(db, 'ca.cnf');
    writeFileSync(join(db, 'index.txt'), '');
    writeFileSync(join(db, 'serial'), '1000\n');
    writeFileSync(
      configFile,
      `${OPENSSL_CONFIG}
[signing]
database = ${join(db, 'index.txt')}
serial = ${join(db, 'serial')}
new_certs_dir = ${db}
default_md = sha256
policy = any_subject
unique_subject = no
[any_subject]
commonName = supplied
`,
    );
    const csr = join(db, 'client.csr');
    const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl([
      'req',
      '-new',
      '-config',
      configFile,
      ...EC_KEY,
      '-keyout',
      out.key,
      '-out',
      csr,
      '-subj',
      subject,
    ]);
    openssl([
      'ca',
      '-batch',
      '-config',
      configFile,
      '-name',
      'signing',
      '-extensions',
      'client',
      '-notext',
      '-startdate',
      validity.from,
      '-enddate',
      validity.to,
      '-cert',
      ca.cert,
      '-keyfile',
      ca.key,
      '-in',
      csr,
      '-out',
      out.cert,
    ]);
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
}

/** A client certificate for `pki.domain`, signed by the PKI's CA, valid only from NOT_YET_VALID.from. */
export async function notYetValidClientCert(
  pki: TestPki,
  dir: string,
): Promise<{ cert: string; key: string }> {
  await mkdir(dir, { recursive: true });
  const out = {
    cert: join(dir, `${pki.domain}-not-yet-valid.crt`),
    key: join(dir, `${pki.domain}-not-yet-valid.key`),
  };
  issueClientCert({ cert: pki.caCert, key: pki.caKey }, `/CN=${pki.domain}`, out, NOT_YET_VALID);
  return out;
}
