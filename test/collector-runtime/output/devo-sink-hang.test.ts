// The receiver hangs (stops reading: data piles up in the socket buffers), longer than any timer, then
// crashes with every connection reset. Every written event must arrive after the restart, however long ago it
// was written; the duplicates are the resend's, and the resend buffer stays within its bound.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { waitFor } from '../../support/wait.ts';
import { batchOf, devoSinkFor, metricValue, receivedIds, sinkFixtureForFile } from './output-fixture.ts';

const fx = sinkFixtureForFile('devo-hang');

const line = (run: string, id: number) =>
  `<14>2024-05-01T10:00:00.000Z collector-0 my.app.hang: {"run":"${run}","id":${id},"pad":"${'p'.repeat(120)}"}\n`;

const received = (run: string) => receivedIds(fx.receiver, run);

test('receiver hangs 12 s, then resets every connection: nothing written is lost', async () => {
  const { sink, metrics } = devoSinkFor(fx);
  await sink.start();
  const total = 3000;
  const perBatch = 50;
  let written = 0;
  for (let i = 0; i < total; i += perBatch) {
    if (i === 500) {
      await waitFor(
        'the first 500 at the receiver',
        async () => (await received('hang')).size >= 500,
        20_000,
      );
      fx.receiver.hang();
    }
    await sink.write(batchOf(Array.from({ length: perBatch }, (_, k) => line('hang', i + k))));
    written += perBatch;
    await sleep(2);
  }
  // Every write resolved: a checkpoint would have moved past all 3000, though the receiver read only ~500.
  assert.equal(written, total);
  const beforeCrash = (await received('hang')).size;
  // Longer than the old 10 s resend window, and than every output timer the receiver could trip.
  await sleep(12_000);
  await fx.receiver.kill('SIGKILL');
  await fx.receiver.restart();

  let seen = new Map<number, number>();
  await waitFor(
    'every id at the receiver',
    async () => {
      seen = await received('hang');
      return seen.size === total;
    },
    30_000,
  ).catch(() => undefined);
  const lost = total - seen.size;
  const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  const resent = await metricValue(metrics.senderResentEvents, { output: 'devo_1' });
  console.log(
    `hang 12 s + reset: ${total} written, ${beforeCrash} read before the hang ended, lost ${lost}, ` +
      `duplicates ${duplicates}, resent ${resent}`,
  );
  assert.equal(lost, 0, `${lost} of ${total} events lost`);
  // Every duplicate was resent: the receiver had them in a buffer that did survive, or read them before.
  assert.ok(duplicates <= resent, `duplicates ${duplicates} ≤ resent ${resent}`);
  assert.ok(resent >= total - beforeCrash, 'everything unread was resent');
  await sink.stop(5000);
});

test('the resend buffer is bounded: a full share is closed cleanly and released, not dropped', async () => {
  // 64 KiB resend buffer, ~150 B lines: a clean close must release it every ~430 lines.
  const { sink, metrics, logs } = devoSinkFor(fx, { resend_buffer_bytes: 64 * 1024 });
  await sink.start();
  const total = 2000;
  for (let i = 0; i < total; i += 100)
    await sink.write(batchOf(Array.from({ length: 100 }, (_, k) => line('bounded', i + k))));
  await sink.stop(5000);
  const rotations = await metricValue(metrics.senderConnects, {
    result: 'success',
    reason: 'resend_buffer_full',
  });
  const seen = await waitFor(
    'all 2000',
    async () => {
      const s = await received('bounded');
      return s.size === total ? s : undefined;
    },
    10_000,
  );
  const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
  console.log(
    `64 KiB resend buffer, ${total} events: ${rotations} clean rotations, duplicates ${duplicates}`,
  );
  assert.ok(rotations >= 3, `rotated ${rotations} times`);
  assert.equal(duplicates, 0, 'a clean close releases without resending');
  assert.ok(!logs.messages().includes('Lost connection to Devo'));
});
