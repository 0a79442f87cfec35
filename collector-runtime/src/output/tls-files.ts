// Certificate files of an output: resolved against the certificates folder, read on every connect (so a
// rotated Kubernetes Secret is picked up without a restart), and checked before use with errors that name the
// file and its config key.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { CollectorError, errorMessage } from '../core/errors.ts';
import { checkCertificateFiles } from './certificate-check.ts';
import type { FileRef } from './connection-error.ts';

export interface TlsFileRefs {
  chain?: FileRef;
  cert?: FileRef;
  key?: FileRef;
}

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** `configPrefix` is e.g. `outputs.devo_1.config`; relative names resolve under `certsDir`. */
export function resolveTlsFiles(
  names: { chain?: string | undefined; cert?: string | undefined; key?: string | undefined },
  certsDir: string,
  configPrefix: string,
): TlsFileRefs {
  const ref = (field: 'chain' | 'cert' | 'key'): FileRef | undefined => {
    const name = names[field];
    if (name === undefined || name === '') return undefined;
    return { path: isAbsolute(name) ? name : resolve(certsDir, name), configKey: `${configPrefix}.${field}` };
  };
  const refs: TlsFileRefs = {};
  const chain = ref('chain');
  const cert = ref('cert');
  const key = ref('key');
  if (chain) refs.chain = chain;
  if (cert) refs.cert = cert;
  if (key) refs.key = key;
  return refs;
}

const WHAT: Record<'chain' | 'cert' | 'key', string> = {
  chain: 'CA chain file',
  cert: 'client certificate file',
  key: 'client key file',
};

async function readOne(ref: FileRef, field: 'chain' | 'cert' | 'key'): Promise<Buffer> {
  try {
    return await readFile(ref.path);
  } catch (err) {
    throw new CollectorError(
      'CR_ERR_OUTPUT_TLS',
      `cannot read the ${WHAT[field]} ${ref.path} (${ref.configKey}): ${errorMessage(err)}`,
      {
        cause: err,
        retryable: true,
      },
    );
  }
}

/** Reads the files and proves they fit (certificate-check.ts) and OpenSSL accepts them. */
export async function readTlsFiles(refs: TlsFileRefs): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all([
    refs.chain && readOne(refs.chain, 'chain'),
    refs.cert && readOne(refs.cert, 'cert'),
    refs.key && readOne(refs.key, 'key'),
  ]);
  const material: TlsMaterial = {};
  if (ca) material.ca = ca;
  if (cert) material.cert = cert;
  if (key) material.key = key;
  if (cert && refs.cert) {
    const pem = (ref: FileRef | undefined, data: Buffer | undefined) =>
      ref && data ? { path: ref.path, text: data.toString('utf8') } : undefined;
    const chainPem = pem(refs.chain, ca);
    const keyPem = pem(refs.key, key);
    const [problem] = checkCertificateFiles(
      {
        cert: { path: refs.cert.path, text: cert.toString('utf8') },
        ...(chainPem ? { chain: chainPem } : {}),
        ...(keyPem ? { key: keyPem } : {}),
      },
      Date.now(),
    );
    if (problem) {
      // Every file the message names, with the config key that names it.
      let message = problem.message;
      for (const ref of [refs.chain, refs.cert, refs.key])
        if (ref) message = message.replaceAll(ref.path, `${ref.path} (${ref.configKey})`);
      throw new CollectorError('CR_ERR_OUTPUT_TLS', message, { retryable: true });
    }
  }
  try {
    createSecureContext(material);
  } catch (err) {
    const files = [refs.chain, refs.cert, refs.key].filter((r) => r !== undefined);
    throw new CollectorError(
      'CR_ERR_OUTPUT_TLS',
      `cannot use the TLS files ${files.map((r) => `${r.path} (${r.configKey})`).join(', ')}: ${errorMessage(err)}`,
      { cause: err, retryable: true },
    );
  }
  return material;
}

/** The three files a Devo output cannot work without; names the missing config keys. */
export function requireTlsFiles(refs: TlsFileRefs, configPrefix: string): Required<TlsFileRefs> {
  const missing = (['chain', 'cert', 'key'] as const).filter((f) => !refs[f]);
  if (missing.length > 0)
    throw new CollectorError(
      'CR_ERR_OUTPUT_TLS',
      `${missing.map((f) => `${configPrefix}.${f}`).join(', ')} not set: a Devo output needs the chain, cert and key files`,
    );
  return refs as Required<TlsFileRefs>;
}
