import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BloomWindow, bloomGeometry } from '../../../collector-runtime/src/dedup/bloom-window.ts';
import { contentHash } from '../../../collector-runtime/src/dedup/event-key.ts';

const h = (label: string) => contentHash(label);
const roundTrip = (w: BloomWindow, budget?: number) =>
  new BloomWindow(w.config, JSON.parse(JSON.stringify(w.toState(budget))));

test('the default geometry: 10M records at 1e-6 is 20 hash functions and under 40 MiB', () => {
  const { bits, hashes } = bloomGeometry(10_000_000, 1e-6);
  assert.equal(hashes, 20);
  assert.ok(bits / 8 / 2 ** 20 < 40, `${bits / 8 / 2 ** 20} MiB`);
});

test('finds what it saw, keeps a low false-positive rate, and survives serialisation', () => {
  const w = new BloomWindow({ capacity: 20_000, bufferSize: 1000, falsePositiveRate: 1e-6 });
  for (let i = 0; i < 10_000; i++) w.add(h(`event-${i}`));
  for (let i = 0; i < 10_000; i++) assert.ok(w.has(h(`event-${i}`)), `event-${i}`);
  let falsePositives = 0;
  for (let i = 0; i < 50_000; i++) if (w.has(h(`other-${i}`))) falsePositives++;
  assert.ok(falsePositives <= 1, `${falsePositives} false positives`);
  assert.equal(w.fillRatio, 0.5);
  assert.ok(w.falsePositiveRate > 0 && w.falsePositiveRate < 1e-8, String(w.falsePositiveRate));
  const restored = roundTrip(w);
  assert.equal(restored.restoredFilter, true);
  for (let i = 0; i < 10_000; i += 7) assert.ok(restored.has(h(`event-${i}`)));
  assert.equal(restored.has(h('never-seen')), false);
  assert.equal(restored.fillRatio, 0.5);
});

test('a filter reset at capacity keeps the most recent buffer of hashes effective', () => {
  const w = new BloomWindow({ capacity: 1000, bufferSize: 100, falsePositiveRate: 1e-6 });
  for (let i = 0; i < 1000; i++) w.add(h(`e${i}`));
  assert.equal(w.resets, 1);
  assert.equal(w.fillRatio, 0.1); // reseeded with the 100 buffered hashes
  // The reseeded filter keeps the last 100 even after they leave the buffer.
  for (let i = 1000; i < 1500; i++) w.add(h(`e${i}`));
  for (let i = 900; i < 1500; i++) assert.ok(w.has(h(`e${i}`)), `e${i} was forgotten`);
  // What came before the buffer at reset time is gone: that is the price of a bounded filter.
  let remembered = 0;
  for (let i = 0; i < 900; i++) if (w.has(h(`e${i}`))) remembered++;
  assert.equal(remembered, 0);
  // The same holds after a restart from the persisted state.
  const restored = roundTrip(w);
  for (let i = 900; i < 1500; i++) assert.ok(restored.has(h(`e${i}`)));
});

test('the persisted state covers every hash added although the filter snapshot is refreshed rarely', () => {
  const w = new BloomWindow({ capacity: 100_000, bufferSize: 1000, falsePositiveRate: 1e-6 });
  const states: string[] = [];
  for (let i = 0; i < 5000; i++) {
    w.add(h(`r${i}`));
    if (i % 100 === 99) states.push(JSON.stringify(w.toState()));
  }
  // The filter was re-encoded about every half buffer (500 adds), not at each of the 50 checkpoints.
  const snapshots = new Set(
    states.map((s) => (JSON.parse(s) as { filter: { content: string } }).filter.content),
  );
  assert.ok(snapshots.size <= 11, `${snapshots.size} snapshots`);
  const restored = new BloomWindow(w.config, JSON.parse(states.at(-1)!));
  for (let i = 0; i < 5000; i++) assert.ok(restored.has(h(`r${i}`)), `r${i} lost on restore`);
});

test('a state budget leaves the filter out and keeps the newest buffered hashes that fit', () => {
  const w = new BloomWindow({ capacity: 100_000, bufferSize: 1000, falsePositiveRate: 1e-6 });
  for (let i = 0; i < 1000; i++) w.add(h(`b${i}`));
  const state = w.toState(2000); // 2000 base64 chars hold 93 hashes of 16 bytes
  assert.equal(state.complete, false);
  assert.equal(state.filter, undefined);
  const restored = new BloomWindow(w.config, JSON.parse(JSON.stringify(state)));
  assert.equal(restored.restoredFilter, false);
  for (let i = 1000 - 93; i < 1000; i++) assert.ok(restored.has(h(`b${i}`)));
  assert.equal(restored.has(h('b0')), false);
  assert.equal(w.toState().complete, true);
});

test('a filter saved with another capacity or rate is rebuilt from the buffer', () => {
  const w = new BloomWindow({ capacity: 10_000, bufferSize: 500, falsePositiveRate: 1e-6 });
  for (let i = 0; i < 2000; i++) w.add(h(`g${i}`));
  const other = new BloomWindow(
    { capacity: 20_000, bufferSize: 500, falsePositiveRate: 1e-6 },
    JSON.parse(JSON.stringify(w.toState())),
  );
  assert.equal(other.restoredFilter, false);
  for (let i = 1500; i < 2000; i++) assert.ok(other.has(h(`g${i}`)));
  assert.equal(other.fillRatio, 500 / 20_000);
});
