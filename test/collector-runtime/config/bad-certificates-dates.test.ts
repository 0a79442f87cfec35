// Table-driven: every bad certificate case and every impossible date `validate` must reject, each with the
// config path it blames and the message it gives (printed, so the output shows what a user reads).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../../../collector-runtime/src/config/load.ts';
import { ConfigError } from '../../../collector-runtime/src/core/errors.ts';
import { generateTestPki, notYetValidClientCert, type TestPki } from '../../support/tls-certs.ts';
import { goodConfig, NOW, removeLayouts, writeLayout, type Config } from './config-fixture.ts';

let pki: TestPki;
let notYetValid: { cert: string; key: string };
let pkiDir: { dir: string };
before(async () => {
  pkiDir = writeLayout(goodConfig());
  pki = await generateTestPki(join(pkiDir.dir, 'pki'));
  notYetValid = await notYetValidClientCert(pki, join(pkiDir.dir, 'pki', 'not-yet-valid'));
});
after(removeLayouts);

const OUT = 'outputs.devo_1.config';

async function problemsOf(
  config: Config,
  files: Record<string, string>,
  now = NOW,
): Promise<{ path: string; message: string }[]> {
  const { file } = writeLayout(config, { certs: [], files });
  try {
    await loadConfig({ configPath: file, env: {}, now });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.filter((p) => p.severity === 'error');
  }
}

const read = (f: string) => readFileSync(f, 'utf8');

interface CertCase {
  name: string;
  chain: () => string;
  cert: () => string;
  key: () => string;
  /** Validate at this time instead of now (the certificates are made when the test starts). */
  now?: () => number;
  path: string;
  message: RegExp;
}

const certCases: CertCase[] = [
  {
    name: 'a key that belongs to another certificate',
    chain: () => read(pki.caCert),
    cert: () => read(pki.clientCert),
    key: () => read(pki.untrusted.clientKey),
    path: `${OUT}.key`,
    message: /the key .*devo\.key does not belong to the certificate .*devo\.crt: give the key downloaded/,
  },
  {
    name: 'the key file given as the chain',
    chain: () => read(pki.clientKey),
    cert: () => read(pki.clientCert),
    key: () => read(pki.clientKey),
    path: `${OUT}.chain`,
    message: /chain\.crt holds no PEM certificate \(it holds a private key: is it the key file\?\)/,
  },
  {
    name: 'a certificate the chain did not issue',
    chain: () => read(pki.caCert),
    cert: () => read(pki.untrusted.clientCert),
    key: () => read(pki.untrusted.clientKey),
    path: `${OUT}.chain`,
    message:
      /no certificate in the chain .*chain\.crt issued the certificate .*devo\.crt \(issuer "CN=Untrusted Test CA"\)/,
  },
  {
    name: 'the key file given as the certificate',
    chain: () => read(pki.caCert),
    cert: () => read(pki.clientKey),
    key: () => read(pki.clientKey),
    path: `${OUT}.cert`,
    message: /devo\.crt holds no PEM certificate \(it holds a private key: is it the key file\?\)/,
  },
  {
    name: 'the certificate given as the key',
    chain: () => read(pki.caCert),
    cert: () => read(pki.clientCert),
    key: () => read(pki.clientCert),
    path: `${OUT}.key`,
    message: /devo\.key holds no usable private key \(it holds a certificate/,
  },
  {
    name: 'a chain file that is not PEM',
    chain: () => 'not a certificate\n',
    cert: () => read(pki.clientCert),
    key: () => read(pki.clientKey),
    path: `${OUT}.chain`,
    message: /chain\.crt holds no PEM certificate: give Devo's chain\.crt/,
  },
  {
    name: 'an expired certificate',
    chain: () => read(pki.caCert),
    cert: () => read(pki.clientCert),
    key: () => read(pki.clientKey),
    now: () => Date.parse(new X509Certificate(read(pki.clientCert)).validTo) + 86_400_000,
    path: `${OUT}.cert`,
    message:
      /the certificate .*devo\.crt expired on \d{4}-\d\d-\d\dT.*: download the domain's X\.509 files again/,
  },
  {
    name: 'a certificate not valid yet',
    chain: () => read(pki.caCert),
    cert: () => read(notYetValid.cert),
    key: () => read(notYetValid.key),
    path: `${OUT}.cert`,
    message:
      /the certificate .*devo\.crt is not valid before 2099-12-31T00:00:00\.000Z \(notBefore; the clock here says \d{4}-.*\): set this machine's clock right \(NTP\), or give a certificate valid now/,
  },
];

test('every bad certificate case names the file at fault and the fix', async () => {
  const rows: string[] = [];
  for (const c of certCases) {
    const files = { 'certs/chain.crt': c.chain(), 'certs/devo.crt': c.cert(), 'certs/devo.key': c.key() };
    const now = c.now?.() ?? Date.now();
    const config = goodConfig();
    const problems = await problemsOf(config, files, now);
    const hit = problems.find((p) => p.path === c.path && c.message.test(p.message));
    assert.ok(hit, `${c.name}: got ${JSON.stringify(problems, null, 1)}`);
    rows.push(`${c.name}\n    ${hit.path}: ${hit.message}`);
  }
  // The good files pass.
  const good = {
    'certs/chain.crt': read(pki.caCert),
    'certs/devo.crt': read(pki.clientCert),
    'certs/devo.key': read(pki.clientKey),
  };
  assert.deepEqual(await problemsOf(goodConfig(), good, Date.now()), []);
  console.log(`bad certificates:\n  ${rows.join('\n  ')}`);
});

const impossibleDates: { value: string; message: RegExp }[] = [
  { value: '2024-02-30T00:00:00Z', message: /day 30 does not exist in 2024-02 \(it has 29 days\)/ },
  { value: '2023-02-29T00:00:00Z', message: /day 29 does not exist in 2023-02 \(it has 28 days\)/ },
  { value: '2024-04-31T00:00:00Z', message: /day 31 does not exist in 2024-04 \(it has 30 days\)/ },
  { value: '2024-06-31T12:00:00Z', message: /day 31 does not exist in 2024-06 \(it has 30 days\)/ },
  { value: '2024-11-31T00:00:00.500Z', message: /day 31 does not exist in 2024-11 \(it has 30 days\)/ },
  { value: '2024-01-01T24:00:00Z', message: /hour 24 does not exist/ },
  { value: '2024-13-01T00:00:00Z', message: /must be in parseable datetime format/ },
  { value: '2024-01-32T00:00:00Z', message: /must be in parseable datetime format/ },
  { value: '2024-01-01T23:60:00Z', message: /must be in parseable datetime format/ },
];

test('every impossible start date is rejected, saying why', async () => {
  const rows: string[] = [];
  const path = 'inputs.microsoft_graph_audit.services.directory_audits.start_time_in_utc';
  for (const { value, message } of impossibleDates) {
    const config = goodConfig();
    config.inputs.microsoft_graph_audit.services.directory_audits.start_time_in_utc = value;
    const { file } = writeLayout(config);
    const err = await loadConfig({ configPath: file, env: {}, now: NOW }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, `${value} was accepted`);
    const hit = err.problems.find((p) => p.path === path);
    assert.ok(hit && message.test(hit.message), `${value}: ${JSON.stringify(err.problems)}`);
    rows.push(`${value}: ${hit.message}`);
  }
  // Real dates at the edges still pass.
  for (const value of ['2024-02-29T00:00:00Z', '2024-12-31T23:59:59Z']) {
    const config = goodConfig();
    config.inputs.microsoft_graph_audit.services.directory_audits.start_time_in_utc = value;
    await loadConfig({ configPath: writeLayout(config).file, env: {}, now: NOW });
  }
  console.log(`impossible dates:\n  ${rows.join('\n  ')}`);
});
