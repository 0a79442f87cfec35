// Certificate problems are reported clearly (file path + config key) and never lose data.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CollectorError } from '../../../collector-runtime/src/core/errors.ts';
import { batchOf, devoSinkFor, isSettled, metricValue, sinkFixtureForFile } from './output-fixture.ts';
import { waitFor } from '../../support/wait.ts';

const fx = sinkFixtureForFile('devo-certs');

const line = (id: string) => `<14>2024-05-01T10:00:00.000Z h my.app.certs: {"id":"${id}"}\n`;

test('a client certificate the server rejects: clear error naming the file, write stays pending, a fixed file is picked up', async () => {
  // A certificates folder laid out like Devo's download, but holding the certificate of another CA. The
  // chain holds both CAs, so the local checks pass and the server is the one to reject it.
  const certsDir = join(fx.dir, 'certs-wrong');
  await mkdir(certsDir, { recursive: true });
  const { domain } = fx.pki;
  await writeFile(
    join(certsDir, 'chain.crt'),
    (await readFile(fx.pki.caCert, 'utf8')) + (await readFile(fx.pki.untrusted.caCert, 'utf8')),
  );
  await copyFile(fx.pki.untrusted.clientCert, join(certsDir, `${domain}.crt`));
  await copyFile(fx.pki.untrusted.clientKey, join(certsDir, `${domain}.key`));

  const { sink, metrics, logs } = devoSinkFor({ ...fx, pki: { ...fx.pki, dir: certsDir } });
  await sink.start();
  const lines = Array.from({ length: 50 }, (_, i) => line(`wrong-${i}`));
  const written = sink.write(batchOf(lines));

  await waitFor(
    'two rejected handshakes',
    async () => (await metricValue(metrics.senderErrors, { kind: 'tls_client_cert_rejected' })) >= 2,
    10_000,
  );
  const certPath = join(certsDir, `${domain}.crt`);
  const status = sink.status();
  assert.equal(status.connected, false);
  assert.equal(status.queuedEvents, 50);
  assert.ok(
    status.lastError?.includes(`rejected the client certificate ${certPath} (outputs.devo_1.config.cert)`),
    status.lastError,
  );
  assert.match(status.lastError!, /unknown ca/i);
  assert.ok((await metricValue(metrics.senderConnects, { result: 'error', reason: 'initial' })) >= 1);
  assert.ok((await metricValue(metrics.senderConnects, { result: 'error', reason: 'failure' })) >= 1);
  assert.equal(await isSettled(written), false, 'write() must stay pending while nothing was delivered');
  const warned = logs.records.find((r) => r.msg === 'Failed to connect to Devo');
  assert.equal(warned?.kind, 'tls_client_cert_rejected');
  assert.ok(
    !(await fx.receiver.lines()).some((l) => l.includes('"wrong-')),
    'nothing arrives over a rejected connection',
  );

  // The operator fixes the Secret: the next reconnect reads the new files.
  await copyFile(fx.pki.clientCert, join(certsDir, `${domain}.crt`));
  await copyFile(fx.pki.clientKey, join(certsDir, `${domain}.key`));
  await written;
  await waitFor(
    'all 50 lines at the receiver',
    async () => {
      const got = new Set(await fx.receiver.lines());
      return lines.every((l) => got.has(l.slice(0, -1)));
    },
    10_000,
  );
  assert.equal(sink.status().connected, true);
  assert.equal(sink.status().lastError, undefined);
  await sink.stop(5000);
});

test('a missing certificate file: start() fails naming the file and the config key', async () => {
  const { sink } = devoSinkFor(fx, { cert: 'missing.crt' });
  await assert.rejects(sink.start(), (err: unknown) => {
    assert.ok(err instanceof CollectorError);
    assert.equal(err.code, 'CR_ERR_OUTPUT_TLS');
    assert.ok(err.message.includes(join(fx.pki.dir, 'missing.crt')), err.message);
    assert.ok(err.message.includes('outputs.devo_1.config.cert'), err.message);
    return true;
  });
});

test('a key that does not match the certificate: start() fails naming both files', async () => {
  const { sink } = devoSinkFor(fx, { key: fx.pki.untrusted.clientKey });
  await assert.rejects(sink.start(), (err: unknown) => {
    assert.ok(err instanceof CollectorError && err.code === 'CR_ERR_OUTPUT_TLS');
    assert.ok(err.message.includes(`${fx.pki.untrusted.clientKey} (outputs.devo_1.config.key)`), err.message);
    assert.ok(err.message.includes(`${fx.pki.clientCert} (outputs.devo_1.config.cert)`), err.message);
    return true;
  });
});

test('an unset certificate key is a configuration error at construction', () => {
  assert.throws(
    () => devoSinkFor(fx, { cert: '' }),
    (err: unknown) =>
      err instanceof CollectorError &&
      err.code === 'CR_ERR_OUTPUT_TLS' &&
      err.message.includes('outputs.devo_1.config.cert'),
  );
});
