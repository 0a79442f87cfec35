// What can be known about an output's TLS files without connecting: each parses, the key belongs to the
// certificate, the chain issued the certificate, the certificate is valid now (not expired, not before its
// notBefore). Used by `validate` (each problem on the config key of the file at fault) and before every
// connect (so the error blames the right file, not the certificate in general). Each message names the
// file and says what to do.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

export interface PemFile {
  /** Resolved path, for messages. */
  path: string;
  text: string;
}

export interface CertificateProblem {
  field: 'chain' | 'cert' | 'key';
  message: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const DOWNLOAD = "download the domain's X.509 files again from Devo (Administration → Credentials → X.509)";

/** The certificates in a PEM file (a chain holds several); an empty list when there is none. */
function certificates(text: string): X509Certificate[] | Error {
  try {
    return (text.match(PEM_CERT) ?? []).map((pem) => new X509Certificate(pem));
  } catch (err) {
    return err as Error;
  }
}

/** When the certificate in `text` stops being valid (epoch ms), or undefined if it does not parse. */
export function certificateExpiry(text: string): number | undefined {
  const certs = certificates(text);
  return Array.isArray(certs) && certs[0] ? Date.parse(certs[0].validTo) : undefined;
}

export function checkCertificateFiles(
  files: { chain?: PemFile; cert: PemFile; key?: PemFile },
  now: number,
): CertificateProblem[] {
  const problems: CertificateProblem[] = [];
  const certs = certificates(files.cert.text);
  const cert = Array.isArray(certs) ? certs[0] : undefined;
  if (!cert) {
    const looksLikeKey = /PRIVATE KEY-----/.test(files.cert.text);
    problems.push({
      field: 'cert',
      message: `${files.cert.path} holds no PEM certificate${
        looksLikeKey ? ' (it holds a private key: is it the key file?)' : ''
      }${certs instanceof Error ? ` (${certs.message})` : ''}: give the domain certificate (.crt), or ${DOWNLOAD}`,
    });
    return problems;
  }
  const expires = Date.parse(cert.validTo);
  if (expires <= now)
    problems.push({
      field: 'cert',
      message: `the certificate ${files.cert.path} expired on ${new Date(expires).toISOString()}: ${DOWNLOAD}`,
    });
  // Devo refuses it as well: usually this machine's clock is behind, sometimes a certificate issued for later.
  const starts = Date.parse(cert.validFrom);
  if (starts > now)
    problems.push({
      field: 'cert',
      message: `the certificate ${files.cert.path} is not valid before ${new Date(starts).toISOString()} (notBefore; the clock here says ${new Date(now).toISOString()}): set this machine's clock right (NTP), or give a certificate valid now, or ${DOWNLOAD}`,
    });

  if (files.key) {
    let key: KeyObject | undefined;
    try {
      key = createPrivateKey(files.key.text);
    } catch (err) {
      const looksLikeCert = /BEGIN CERTIFICATE/.test(files.key.text);
      problems.push({
        field: 'key',
        message: `${files.key.path} holds no usable private key${
          looksLikeCert ? ' (it holds a certificate: is it the certificate or the chain?)' : ''
        } (${(err as Error).message}): give the domain key (.key) downloaded with the certificate`,
      });
    }
    if (key && !cert.checkPrivateKey(key))
      problems.push({
        field: 'key',
        message: `the key ${files.key.path} does not belong to the certificate ${files.cert.path}: give the key downloaded with this certificate, or ${DOWNLOAD}`,
      });
  }

  if (files.chain) {
    const chain = certificates(files.chain.text);
    if (!Array.isArray(chain) || chain.length === 0) {
      const looksLikeKey = /PRIVATE KEY-----/.test(files.chain.text);
      problems.push({
        field: 'chain',
        message: `${files.chain.path} holds no PEM certificate${
          looksLikeKey ? ' (it holds a private key: is it the key file?)' : ''
        }: give Devo's chain.crt`,
      });
    } else if (!chain.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey)))
      problems.push({
        field: 'chain',
        message: `no certificate in the chain ${files.chain.path} issued the certificate ${files.cert.path} (issuer "${cert.issuer.replace(/\n/g, ', ')}"): give the chain.crt downloaded with this certificate`,
      });
  }
  return problems;
}
