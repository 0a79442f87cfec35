import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { GzipSendQueue } from '../../../collector-runtime/src/output/gzip-send-queue.ts';
import type { Chunk } from '../../../collector-runtime/src/output/send-queue.ts';
import { waitFor } from '../../support/wait.ts';
import { batchOf, isSettled } from './output-fixture.ts';

function queue() {
  let work = 0;
  const q = new GzipSendQueue(
    { maxEvents: 1000, maxBytes: 1 << 20, chunkBytes: 64, onWork: () => work++ },
    6,
  );
  return { q, work: () => work };
}

const line = (i: number) => `${String(i).padStart(9, '0')}\n`;
const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => line(from + i));

/** Takes chunks as their compression completes (the queue calls onWork), until `n` were handed out. */
async function takeCompressed(q: GzipSendQueue, n: number): Promise<Chunk[]> {
  const out: Chunk[] = [];
  await waitFor(`${n} compressed chunks`, () => {
    for (let c = q.take(); c; c = q.take()) out.push(c);
    return out.length >= n;
  });
  return out;
}

test('chunks are handed out only once compressed, in order, each a whole gzip member of whole lines', async () => {
  const { q, work } = queue();
  const sent = lines(0, 40);
  const done = q.push(batchOf(sent));
  assert.equal(q.take(), undefined, 'nothing before its compression finished');
  assert.ok(q.hasWork(), 'work is pending: a connection should be opened');
  const chunks = await takeCompressed(q, 7); // 400 bytes in chunks of at most 64: 6 lines each
  assert.ok(work() > 1, 'a finished compression announces new work');
  assert.equal(chunks.map((c) => gunzipSync(c.payload).toString()).join(''), sent.join(''));
  for (const c of chunks) q.confirm(c);
  await done;
  assert.ok(q.isEmpty());
  assert.equal(q.hasWork(), false);
});

test('chunks handed back for a resend go out first, as they are (not compressed twice)', async () => {
  const { q } = queue();
  void q.push(batchOf(lines(0, 30)));
  const first = await waitFor('the first compressed chunk', () => q.take());
  const payload = first.payload;
  q.requeue([first]);
  assert.equal(q.take(), first);
  assert.equal(first.payload, payload);
  const rest = await takeCompressed(q, 4);
  const text = [first, ...rest].map((c) => gunzipSync(c.payload).toString()).join('');
  assert.equal(text, lines(0, 30).join(''));
});

test('rejectAll while compressions run: writers get the error, late results are dropped', async () => {
  const { q } = queue();
  const p = q.push(batchOf(lines(0, 30)));
  assert.equal(q.rejectAll(new Error('stopped')), 30);
  await assert.rejects(p, /stopped/);
  await new Promise((r) => setTimeout(r, 50)); // the thread pool finishes the dropped compressions
  assert.equal(q.take(), undefined);
  assert.equal(q.hasWork(), false);
  assert.equal(await isSettled(q.whenEmpty()), true);
});
