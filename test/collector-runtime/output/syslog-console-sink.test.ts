// The relay (`syslog`) output over plain TCP and server-authenticated TLS, and the `console` output.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { Registry } from 'prom-client';
import { createCollectorMetrics } from '../../../collector-runtime/src/metrics/catalog.ts';
import { createConsoleSink } from '../../../collector-runtime/src/output/console-sink.ts';
import { createSink } from '../../../collector-runtime/src/output/create-sink.ts';
import { createSyslogSink } from '../../../collector-runtime/src/output/syslog-sink.ts';
import { generateTestPki, type TestPki } from '../../support/tls-certs.ts';
import { batchOf, makeTempDir } from './output-fixture.ts';
import { captureLog } from '../../support/log-capture.ts';
import { waitFor } from '../../support/wait.ts';

let tmp: { dir: string; remove(): Promise<void> };
let pki: TestPki;
before(async () => {
  tmp = await makeTempDir('syslog-sink');
  pki = await generateTestPki(join(tmp.dir, 'pki'));
});
after(() => tmp.remove());

function collect(server: TcpServer): { text: () => string } {
  let text = '';
  server.on('connection', (s: Socket) => s.on('data', (d: Buffer) => (text += d.toString('utf8'))));
  return { text: () => text };
}

async function listen(server: TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const lines = [
  '<14>2024-05-01T10:00:00.000Z h my.app.relay: {"a":1}\n',
  '<14>2024-05-01T10:00:00.000Z h my.app.relay: {"a":2}\n',
];

const deps = (name: string) => ({
  name,
  collector: 'test',
  log: captureLog().log,
  metrics: createCollectorMetrics(new Registry()),
  certsDir: pki.dir,
});

test('syslog over plain TCP', async () => {
  const server = createTcpServer();
  const got = collect(server);
  const port = await listen(server);
  const sink = createSyslogSink({ address: '127.0.0.1', port }, deps('relay_tcp'));
  await sink.start();
  await sink.write(batchOf(lines));
  await sink.stop(2000);
  await waitFor('the lines', () => got.text() === lines.join(''), 2000);
  server.close();
});

test('syslog over TLS trusting the configured chain, no client certificate; built through createSink', async () => {
  const [cert, key] = await Promise.all([readFile(pki.serverCert), readFile(pki.serverKey)]);
  const server = createTlsServer({ cert, key });
  let text = '';
  server.on('secureConnection', (s) => s.on('data', (d: Buffer) => (text += d.toString('utf8'))));
  const port = await listen(server as unknown as TcpServer);
  const sink = createSink(
    'relay_tls',
    { type: 'syslog', config: { address: 'localhost', port, tls: true, chain: 'chain.crt' } },
    deps('relay_tls'),
  );
  await sink.start();
  await sink.write(batchOf(lines));
  await sink.stop(2000);
  await waitFor('the lines', () => text === lines.join(''), 2000);
  server.close();
});

test('console writes the lines to its stream', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const sink = createConsoleSink({ name: 'console', stream: out });
  await sink.start();
  await sink.write(batchOf(lines));
  assert.equal(text, lines.join(''));
  assert.deepEqual(sink.status(), { connected: true, queuedEvents: 0 });
  await sink.stop(100);
  await assert.rejects(sink.write(batchOf(lines)), { code: 'CR_ERR_SHUTDOWN' });
});
