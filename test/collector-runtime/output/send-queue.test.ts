import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SendQueue, type Chunk } from '../../../collector-runtime/src/output/send-queue.ts';
import { batchOf, isSettled } from './output-fixture.ts';

function queue(over: Partial<ConstructorParameters<typeof SendQueue>[0]> = {}) {
  let work = 0;
  const q = new SendQueue({
    maxEvents: 100,
    maxBytes: 1 << 20,
    chunkBytes: 64,
    onWork: () => work++,
    ...over,
  });
  return { q, work: () => work };
}

const line = (i: number, width = 10) => `${String(i).padStart(width - 1, '0')}\n`;

function drain(q: SendQueue): Chunk[] {
  const out: Chunk[] = [];
  for (let c = q.take(); c; c = q.take()) out.push(c);
  return out;
}

test('chunks are cut at line ends and never exceed the limit unless one line does', () => {
  const { q } = queue({ chunkBytes: 25 });
  void q.push(batchOf([line(1), line(2), line(3)]));
  void q.push(batchOf([line(4), 'x'.repeat(40) + '\n', line(5)]));
  const chunks = drain(q).map((c) => c.payload.toString());
  assert.deepEqual(chunks, [line(1) + line(2), line(3) + line(4), 'x'.repeat(40) + '\n', line(5)]);
});

test('a batch resolves only when every chunk holding its bytes is confirmed', async () => {
  const { q } = queue({ chunkBytes: 20 });
  const p = q.push(batchOf([line(1), line(2), line(3)]));
  const [a, b] = drain(q);
  q.confirm(a!);
  assert.equal(await isSettled(p), false);
  assert.equal(q.events, 3);
  q.confirm(b!);
  await p;
  assert.equal(q.events, 0);
  assert.equal(q.isEmpty(), true);
});

test('requeued chunks are taken again first, and confirm once', async () => {
  const { q } = queue();
  const p1 = q.push(batchOf([line(1)]));
  const [c1] = drain(q);
  const p2 = q.push(batchOf([line(2)]));
  q.requeue([c1!]);
  assert.equal(q.take(), c1);
  q.confirm(c1!);
  q.confirm(c1!); // a late duplicate confirm changes nothing
  await p1;
  assert.equal(await isSettled(p2), false);
  assert.equal(q.events, 1);
});

test('back-pressure: writers wait while the queue is full, in arrival order', async () => {
  const { q } = queue({ maxEvents: 2 });
  const p1 = q.push(batchOf([line(1), line(2)]));
  const p2 = q.push(batchOf([line(3)]));
  const p3 = q.push(batchOf([line(4)]));
  const [c1] = drain(q);
  assert.equal(c1!.payload.toString(), line(1) + line(2)); // p2, p3 not admitted yet
  q.confirm(c1!);
  await p1;
  const [c2] = drain(q);
  assert.equal(c2!.payload.toString(), line(3) + line(4));
  q.confirm(c2!);
  await Promise.all([p2, p3]);
});

test('a batch larger than the limits is admitted into an empty queue', async () => {
  const { q } = queue({ maxEvents: 1, maxBytes: 5, chunkBytes: 1000 });
  const p = q.push(batchOf([line(1), line(2), line(3)]));
  const chunks = drain(q);
  assert.equal(chunks.length, 1);
  q.confirm(chunks[0]!);
  await p;
});

test('rejectAll rejects open and waiting batches', async () => {
  const { q } = queue({ maxEvents: 1 });
  const p1 = q.push(batchOf([line(1)]));
  const p2 = q.push(batchOf([line(2)]));
  drain(q);
  assert.equal(q.rejectAll(new Error('stopped')), 2);
  await assert.rejects(p1, /stopped/);
  await assert.rejects(p2, /stopped/);
});

test('a batch without a final LF is refused', async () => {
  const { q } = queue();
  await assert.rejects(q.push({ data: Buffer.from('no newline'), events: 1 }), /must end with LF/);
});
