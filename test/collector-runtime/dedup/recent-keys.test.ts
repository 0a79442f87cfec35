import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentKeys } from '../../../collector-runtime/src/dedup/recent-keys.ts';
import { eventKey } from '../../../collector-runtime/src/dedup/event-key.ts';

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
