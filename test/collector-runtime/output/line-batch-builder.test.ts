import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineBatchBuilder } from '../../../collector-runtime/src/output/line-batch-builder.ts';

test('gathers lines as UTF-8, growing as needed, and starts over after take()', () => {
  const b = new LineBatchBuilder(8);
  const lines = [
    '<14>t h a.b: {"s":"é漢字😀"}\n',
    `<14>t h a.b: {"s":"${'x'.repeat(100)}"}\n`,
    '<14>t h a.b: {}\n',
  ];
  for (const l of lines) b.add(l);
  assert.equal(b.events, 3);
  const batch = b.take();
  assert.equal(batch.data.toString('utf8'), lines.join(''));
  assert.equal(batch.events, 3);
  assert.equal(b.bytes, 0);
  b.add(lines[0]!);
  assert.equal(b.take().data.toString('utf8'), lines[0]);
  assert.equal(batch.data.toString('utf8'), lines.join(''), 'an earlier batch is not overwritten');
});
