// Reconnects: a receiver crash mid-stream loses nothing, idle and old connections are replaced transparently,
// a server-side close is noticed.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { batchOf, devoSinkFor, metricValue, receivedIds, sinkFixtureForFile } from './output-fixture.ts';
import { waitFor } from '../../support/wait.ts';

const fx = sinkFixtureForFile('devo-reconnect');

const line = (run: string, id: number) =>
  `<14>2024-05-01T10:00:00.000Z collector-0 my.app.reconnect: {"run":"${run}","id":${id},"pad":"${'p'.repeat(100)}"}\n`;

const received = (run: string) => receivedIds(fx.receiver, run);

test('rsyslog SIGKILLed and restarted mid-stream: every event arrives at least once', async () => {
  const { sink, logs, metrics } = devoSinkFor(fx, { queue_max_events: 2000 });
  await sink.start();
  const total = 20_000;
  const perBatch = 200;
  const base = await fx.receiver.countLines();
  let resolvedEvents = 0;
  let resolvedAtKill = -1;

  // The crash: once a quarter of the stream arrived, SIGKILL, stay down a moment, restart on the same port.
  const crash = (async () => {
    await waitFor(
      'a quarter of the stream',
      async () => (await fx.receiver.countLines()) - base >= total / 4,
      20_000,
    );
    await fx.receiver.kill('SIGKILL');
    resolvedAtKill = resolvedEvents;
    await sleep(300);
    await fx.receiver.restart();
  })();

  for (let i = 0; i < total; i += perBatch) {
    const lines = Array.from({ length: perBatch }, (_, k) => line('crash', i + k));
    await sink.write(batchOf(lines));
    resolvedEvents += perBatch;
    await sleep(5); // pace the stream (~1 s) so the crash lands in the middle of it, not after it
  }
  await crash;
  assert.equal(resolvedEvents, total);
  assert.ok(
    resolvedAtKill > 0 && resolvedAtKill < total,
    `the crash came mid-stream (${resolvedAtKill} written)`,
  );

  let seen = new Map<number, number>();
  await waitFor(
    'every id at the receiver',
    async () => {
      seen = await received('crash');
      return seen.size === total;
    },
    20_000,
  );
  for (let id = 0; id < total; id++) assert.ok(seen.has(id), `id ${id} missing`);
  const lost = logs.records.filter((r) => r.msg === 'Lost connection to Devo');
  assert.ok(lost.length >= 1, 'the crash was noticed');
  assert.ok((await metricValue(metrics.senderConnects, { result: 'success', reason: 'failure' })) >= 1);
  // A resolved write only means the kernel took the bytes; what the crash swallowed from socket buffers was
  // in the resend window and went out again after the restart.
  assert.ok(lost.some((r) => Number(r.resendBytes) > 0));
  await sink.stop(5000);
});

test('idle connections are closed cleanly, old ones replaced before the next send, transparently', async () => {
  const { sink, logs, metrics } = devoSinkFor(fx, {
    idle_reconnect_seconds: 0.5,
    max_connection_age_seconds: 1.5,
  });
  await sink.start();
  await sink.write(batchOf([line('idle', 0)]));
  // Idle longer than 0.5 s: closed by us, cleanly, before the endpoint drops it.
  await waitFor(
    'the idle connection closed',
    async () => (await metricValue(metrics.senderConnected, {})) === 0,
    5000,
  );
  assert.equal(sink.status().connected, false);
  // The clean close proved event 0 read: a receiver crash now has nothing of ours to resend.
  await fx.receiver.kill('SIGKILL');
  await fx.receiver.restart();
  await sink.write(batchOf([line('idle', 1)]));
  assert.equal(await metricValue(metrics.senderConnects, { result: 'success', reason: 'idle' }), 1);
  assert.equal(await metricValue(metrics.senderResentEvents, {}), 0);

  // Busy, but older than 1.5 s: replaced too.
  for (let i = 2; i < 12; i++) {
    await sink.write(batchOf([line('idle', i)]));
    await sleep(200);
  }
  assert.ok((await metricValue(metrics.senderConnects, { result: 'success', reason: 'max_age' })) >= 1);
  await sink.stop(5000);
  await waitFor('all 12 events', async () => (await received('idle')).size === 12, 10_000);
  assert.ok(!logs.messages().includes('Lost connection to Devo'), 'replacing a connection is not a failure');
  assert.ok((await metricValue(metrics.senderConnects, { result: 'success', reason: 'initial' })) === 1);
});

test('a connection the server closed is noticed and replaced on the next send', async () => {
  const { sink, logs, metrics } = devoSinkFor(fx);
  await sink.start();
  await sink.write(batchOf([line('closed', 0)]));
  await fx.receiver.restart(); // SIGTERM: rsyslog closes our connection
  await waitFor('the close to be noticed', () => !sink.status().connected, 10_000);
  assert.ok(logs.messages().includes('Lost connection to Devo'));
  await sink.write(batchOf([line('closed', 1)]));
  assert.equal(sink.status().connected, true);
  await sink.stop(5000);
  await waitFor('both events', async () => (await received('closed')).size === 2, 10_000);
  assert.ok((await metricValue(metrics.senderConnects, { result: 'success', reason: 'failure' })) >= 1);
});
