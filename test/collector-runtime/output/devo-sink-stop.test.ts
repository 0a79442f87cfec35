// Graceful stop: everything accepted is written and the server confirmed the close before stop() resolves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort } from '../../support/rsyslog-receiver.ts';
import { batchOf, devoSinkFor, sinkFixtureForFile } from './output-fixture.ts';

const fx = sinkFixtureForFile('devo-stop');

const line = (run: string, id: number) =>
  `<14>2024-05-01T10:00:00.000Z h my.app.stop: {"run":"${run}","id":${id}}\n`;

test('stop() flushes every queued batch, then closes gracefully', async () => {
  const { sink, logs } = devoSinkFor(fx, { queue_max_events: 100_000 });
  await sink.start();
  const base = await fx.receiver.countLines();
  const total = 30_000;
  const writes: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1000)
    writes.push(sink.write(batchOf(Array.from({ length: 1000 }, (_, k) => line('flush', i + k)))));
  const outcomes = Promise.allSettled(writes);
  await sink.stop(20_000);
  // Every write resolved before stop() did.
  const settled = await Promise.race([outcomes, Promise.resolve('pending')]);
  assert.notEqual(settled, 'pending');
  assert.ok((settled as PromiseSettledResult<void>[]).every((r) => r.status === 'fulfilled'));
  const got = await fx.receiver.waitForLines(base + total, 5000);
  assert.equal(new Set(got.slice(base)).size, total);
  assert.ok(
    !logs.messages().includes('Closed connection to Devo unconfirmed'),
    'the server confirmed the close',
  );
  await assert.rejects(sink.write(batchOf([line('flush', -1)])), { code: 'CR_ERR_SHUTDOWN' });
});

test('stop() with the server unreachable rejects what it could not write, within the bound', async () => {
  const { sink, logs } = devoSinkFor(fx, { port: await freePort() });
  await sink.start();
  const pending = sink.write(batchOf([line('down', 0)]));
  const t0 = Date.now();
  await sink.stop(300);
  assert.ok(Date.now() - t0 < 3000);
  await assert.rejects(pending, { code: 'CR_ERR_SHUTDOWN' });
  assert.equal(sink.status().queuedEvents, 0);
  assert.ok(logs.messages().includes('Stopped sending to Devo with events unsent'));
});

test('stop() before start() and twice is safe', async () => {
  const { sink } = devoSinkFor(fx);
  await sink.stop(100);
  await sink.stop(100);
  await assert.rejects(sink.write(batchOf([line('never', 0)])), { code: 'CR_ERR_SHUTDOWN' });
  await assert.rejects(sink.start(), { code: 'CR_ERR_SHUTDOWN' });
});
