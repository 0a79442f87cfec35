import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import {
  BloomWindow,
  FILTER_FORMAT,
  bloomGeometry,
  blockedFalsePositiveRate,
} from '../../../collector-runtime/src/dedup/bloom-window.ts';
import { contentHash } from '../../../collector-runtime/src/dedup/event-key.ts';
import { Prng } from '../../support/prng.ts';

const h = (label: string) => contentHash(label);
const roundTrip = (w: BloomWindow, budget?: number) =>
  new BloomWindow(w.config, JSON.parse(JSON.stringify(w.toState(budget))));
const MiB = 2 ** 20;

test('the default geometry: 10M records at 1e-6 fit in 40 MiB with two blocks of 9 bits per key', () => {
  const g = bloomGeometry(10_000_000, 1e-6);
  assert.equal(g.bitsPerBlock, 9);
  assert.equal(g.hashes, 18);
  assert.equal(g.bits, g.blocks * 512);
  assert.ok(g.bits / 8 / MiB < 40, `${g.bits / 8 / MiB} MiB`);
  assert.ok(blockedFalsePositiveRate(10_000_000, g.blocks, g.bitsPerBlock) <= 1e-6);
});

test('the geometry is the smallest filter of the layout that keeps the configured rate at capacity', () => {
  for (const [capacity, rate] of [
    [1000, 1e-6],
    [20_000, 1e-3],
    [1_000_000, 1e-9],
    [10_000_000, 1e-12],
  ] as const) {
    const g = bloomGeometry(capacity, rate);
    assert.ok(blockedFalsePositiveRate(capacity, g.blocks, g.bitsPerBlock) <= rate, `${capacity}/${rate}`);
    for (let k = 1; k <= 24; k++)
      assert.ok(
        blockedFalsePositiveRate(capacity, g.blocks - 1, k) > rate,
        `${capacity}/${rate}: ${g.blocks - 1} blocks with ${k} bits per block would do`,
      );
    // Blocks cost bits: never smaller than a classic filter at the same rate.
    assert.ok(g.bits >= (-capacity * Math.log(rate)) / Math.LN2 ** 2);
  }
});

test('no false negatives, and the measured false-positive rate at capacity is the computed one', () => {
  const prng = new Prng(20_261_128);
  const capacity = 20_000;
  const w = new BloomWindow({ capacity, bufferSize: 100, falsePositiveRate: 1e-3 });
  const added: string[] = [];
  for (let i = 0; i < capacity - 1; i++) {
    const key = h(`added-${prng.hex(24)}`);
    // false: it was new and is now in; true: a false positive against what is already in (not added).
    if (!w.addIfNew(key)) added.push(key);
  }
  assert.equal(w.resets, 0);
  for (const key of added) assert.ok(w.has(key));
  const queries = 300_000;
  let falsePositives = 0;
  for (let i = 0; i < queries; i++) if (w.has(h(`query-${prng.hex(24)}`))) falsePositives++;
  const expected = w.falsePositiveRate * queries;
  assert.ok(w.falsePositiveRate <= 1e-3, String(w.falsePositiveRate));
  // ~300 expected, standard deviation ~17: ±25% is over 4 deviations.
  assert.ok(
    Math.abs(falsePositives - expected) <= expected * 0.25,
    `${falsePositives} false positives in ${queries}, computed ${expected.toFixed(0)}`,
  );
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
  assert.equal(other.filterRebuilt, 'other geometry');
  for (let i = 1500; i < 2000; i++) assert.ok(other.has(h(`g${i}`)));
  assert.equal(other.fillRatio, 500 / 20_000);
});

test('a state of the previous (classic) filter format is rebuilt from its buffer, which is kept', () => {
  const hashes = Array.from({ length: 500 }, (_, i) => h(`m${i}`));
  const previous = {
    // What the classic layout wrote: no format, 287,552 bits for 10,000 at 1e-6, 20 hash functions.
    filter: {
      bits: 287_552,
      hashes: 20,
      inserted: 2000,
      content: deflateRawSync(Buffer.alloc(287_552 / 8, 0xff)).toString('base64'),
    },
    buffer: Buffer.from(hashes.join(''), 'latin1').toString('base64'),
  };
  const w = new BloomWindow({ capacity: 10_000, bufferSize: 500, falsePositiveRate: 1e-6 }, previous);
  assert.equal(w.restoredFilter, false);
  assert.equal(w.filterRebuilt, 'other format');
  for (const key of hashes) assert.ok(w.has(key));
  assert.equal(w.has(h('never-seen')), false); // the all-ones classic bits were not loaded
  assert.equal(w.fillRatio, 500 / 10_000);
  const state = w.toState();
  assert.equal(state.filter?.format, FILTER_FORMAT);
  assert.equal(state.buffer, previous.buffer);
  const again = roundTrip(w);
  assert.equal(again.restoredFilter, true);
  for (const key of hashes) assert.ok(again.has(key));
});
