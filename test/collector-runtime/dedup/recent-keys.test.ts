import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentKeys } from '../../../collector-runtime/src/dedup/recent-keys.ts';
import { eventKey } from '../../../collector-runtime/src/dedup/event-key.ts';
import { BloomWindow } from '../../../collector-runtime/src/dedup/bloom-window.ts';

test('recent keys survive a JSON round trip and forget what is older than the horizon', () => {
  const keys = new RecentKeys();
  keys.add('a', 1000);
  keys.add('b', 5000);
  keys.add('a', 3000); // a later version of the same key keeps the newest time
  const restored = RecentKeys.from(JSON.parse(JSON.stringify(keys)) as [string, number][]);
  assert.ok(restored.has('a') && restored.has('b'));
  restored.prune(4000);
  assert.equal(restored.has('a'), false);
  assert.equal(restored.has('b'), true);
  assert.equal(restored.size, 1);
});

test('RecentKeys.from ignores malformed entries', () => {
  const keys = RecentKeys.from([
    ['ok', 1],
    [42 as unknown as string, 1],
    ['nan', Number.NaN],
  ]);
  assert.equal(keys.size, 1);
});

test('event keys ignore key order and volatile fields', () => {
  const a = eventKey({ id: 1, b: { y: 2, x: 1 }, fetchedAt: 'now' }, new Set(['fetchedAt']));
  const b = eventKey({ b: { x: 1, y: 2 }, id: 1, fetchedAt: 'later' }, new Set(['fetchedAt']));
  assert.equal(a, b);
  assert.notEqual(a, eventKey({ id: 2, b: { x: 1, y: 2 } }));
});

test('the Bloom window finds what it saw, keeps a low false-positive rate, and survives serialisation', () => {
  const bw = new BloomWindow({ capacity: 20_000, bufferSize: 1000 });
  for (let i = 0; i < 10_000; i++) bw.add(`event-${i}`);
  for (let i = 0; i < 10_000; i += 97) assert.ok(bw.has(`event-${i}`));
  let falsePositives = 0;
  for (let i = 0; i < 20_000; i++) if (bw.has(`other-${i}`)) falsePositives++;
  assert.ok(falsePositives <= 2, `${falsePositives} false positives`);
  assert.ok(bw.falsePositiveRate < 1e-5);
  assert.equal(bw.fillRatio, 0.5);
  const restored = new BloomWindow({ capacity: 20_000, bufferSize: 1000 }, JSON.parse(JSON.stringify(bw)));
  assert.ok(restored.has('event-1234'));
  assert.equal(restored.has('never-seen'), false);
});

test('past capacity the Bloom window rotates but keeps the exact recent buffer', () => {
  const bw = new BloomWindow({ capacity: 100, bufferSize: 10 });
  for (let i = 0; i < 150; i++) bw.add(`e${i}`);
  for (let i = 140; i < 150; i++) assert.ok(bw.has(`e${i}`));
  assert.ok(bw.fillRatio < 1);
});
