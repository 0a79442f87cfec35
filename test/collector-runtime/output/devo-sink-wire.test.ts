// What arrives at a real rsyslog over mutual TLS is exactly what encodeLine produced, byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeLine } from '../../../collector-runtime/src/output/line-encoder.ts';
import { batchOf, devoSinkFor, metricValue, sinkFixtureForFile } from './output-fixture.ts';
import { waitFor } from '../../support/wait.ts';

const fx = sinkFixtureForFile('devo-wire');

const T = Date.UTC(2024, 4, 1, 10, 0, 0, 0);

const records: Record<string, unknown>[] = [
  { id: 'unicode', text: 'café é 漢字 😀 Ω' },
  { id: 'quotes', text: 'she said "hi" and \'bye\'' },
  { id: 'backslashes', path: 'C:\\Windows\\System32', re: '\\d+\\s*' },
  { id: 'control', text: 'line1\nline2\r\n\ttabbed\u0000nul\u001fus\u007fdel' },
  { id: 'nested', a: [1, 2.5, null, true, { b: 'c' }], e: {}, n: -0.001 },
  { id: 'lone-surrogate', text: 'bad \ud83d here' },
  { id: 'big', text: 'x'.repeat(70_000) },
];

test('events arrive byte for byte, one line each, with the Devo fields', async () => {
  const { sink, metrics } = devoSinkFor(fx);
  await sink.start();
  const lines = records.map((record, i) =>
    encodeLine({
      tag: 'my.app.wire.test',
      record,
      pullingId: 1714557600000 + i,
      environment: i % 2 ? 'prod' : undefined,
      hostname: 'collector-0',
      time: T + i,
    }),
  );
  const before = (await fx.receiver.lines()).length;
  await sink.write(batchOf(lines));
  const got = (await fx.receiver.waitForLines(before + lines.length, 10_000)).slice(before);
  assert.deepEqual(
    got.map((l) => `${l}\n`),
    lines,
  );
  // The lines are valid JSON after the header, with our fields.
  const parsed = got.map((l) => JSON.parse(l.slice(l.indexOf(': ') + 2)) as Record<string, unknown>);
  assert.equal(parsed[1]!['@devo_environment'], 'prod');
  assert.equal(parsed[0]!['@devo_environment'], undefined);
  assert.equal(parsed[5]!.text, 'bad \ufffd here');
  assert.equal(parsed[3]!.text, records[3]!.text);

  const labels = { collector: 'test', output: 'devo_1' };
  assert.equal(
    await metricValue(metrics.senderBytes, labels),
    lines.reduce((n, l) => n + Buffer.byteLength(l), 0),
  );
  assert.equal(await metricValue(metrics.senderConnected, labels), 1);
  assert.equal(await metricValue(metrics.senderQueueEvents, labels), 0);
  assert.deepEqual(sink.status(), { connected: true, queuedEvents: 0 });
  await sink.stop(5000);
  assert.equal(await metricValue(metrics.senderConnected, labels), 0);
});

test('connects by host name with SNI and the hostname check, and with sec_level 1', async () => {
  const { sink, logs } = devoSinkFor(fx, { address: 'localhost', sec_level: 1 }, 'devo_sni');
  await sink.start();
  const line = encodeLine({
    tag: 'my.app.wire.sni',
    record: { ok: true },
    pullingId: 1,
    hostname: 'h',
    time: T,
  });
  const before = await fx.receiver.countLines();
  await sink.write(batchOf([line]));
  const got = await fx.receiver.waitForLines(before + 1, 10_000);
  assert.ok(got.includes(line.slice(0, -1)));
  await sink.stop(5000);
  assert.ok(logs.messages().includes('Connected to Devo'));
});

test('hostname verification rejects a name the server certificate does not hold, unless turned off', async () => {
  // `127.1` resolves to 127.0.0.1 but is not an IP literal for Node, so it is checked as a host name, which
  // the certificate (DNS:localhost, IP:127.0.0.1) does not hold.
  const strict = devoSinkFor(fx, { address: '127.1', reconnect_initial_seconds: 5 }, 'devo_strict');
  await strict.sink.start();
  const pending = strict.sink.write(batchOf(['<14>2024-05-01T10:00:00.000Z h my.app.wire.strict: {}\n']));
  await waitFor('a connect error', () => strict.sink.status().lastError !== undefined, 10_000);
  assert.match(
    strict.sink.status().lastError!,
    /cannot verify the server certificate of 127\.1:\d+ .*chain\.crt \(outputs\.devo_strict\.config\.chain\).*outputs\.devo_strict\.config\.verify_hostname: false/,
  );
  assert.equal(await metricValue(strict.metrics.senderErrors, { kind: 'tls_server_cert' }), 1);
  await strict.sink.stop(100);
  await assert.rejects(pending, { code: 'CR_ERR_SHUTDOWN' });

  const lax = devoSinkFor(fx, { address: '127.1', verify_hostname: false }, 'devo_lax');
  await lax.sink.start();
  const before = await fx.receiver.countLines();
  await lax.sink.write(batchOf(['<14>2024-05-01T10:00:00.000Z h my.app.wire.lax: {}\n']));
  await lax.sink.stop(5000);
  const got = await fx.receiver.waitForLines(before + 1, 10_000);
  assert.ok(got.includes('<14>2024-05-01T10:00:00.000Z h my.app.wire.lax: {}'));
  assert.ok(!got.includes('<14>2024-05-01T10:00:00.000Z h my.app.wire.strict: {}'));
});

test('concurrent_connections: N connections drain the one queue', async () => {
  const { sink, metrics } = devoSinkFor(
    fx,
    { concurrent_connections: 3, write_chunk_bytes: 4096 },
    'devo_multi',
  );
  await sink.start();
  const labels = { collector: 'test', output: 'devo_multi' };
  await waitFor(
    '3 connections',
    async () => (await metricValue(metrics.senderConnected, labels)) === 3,
    10_000,
  );
  const lines = Array.from(
    { length: 3000 },
    (_, i) => `<14>2024-05-01T10:00:00.000Z h my.app.wire.multi: {"id":${i},"pad":"${'m'.repeat(200)}"}\n`,
  );
  const before = await fx.receiver.countLines();
  await Promise.all(
    Array.from({ length: 30 }, (_, b) => sink.write(batchOf(lines.slice(b * 100, b * 100 + 100)))),
  );
  await sink.stop(5000);
  const got = new Set((await fx.receiver.waitForLines(before + lines.length, 10_000)).slice(before));
  for (const l of lines) assert.ok(got.has(l.slice(0, -1)));
  assert.equal(
    await metricValue(metrics.senderConnects, { ...labels, result: 'success', reason: 'initial' }),
    3,
  );
});
