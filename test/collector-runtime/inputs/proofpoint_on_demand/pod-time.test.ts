// PoD timestamps compare as instants whatever their offset's spelling; sinceTime is hour-floored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiTime,
  floorHour,
  instantMicros,
} from '../../../../collector-runtime/src/inputs/proofpoint_on_demand/pod-time.ts';

test('ts with or without a colon in the offset, or Z, is the same instant, to the microsecond', () => {
  const us = Date.parse('2025-03-04T17:15:22.481Z') * 1000 + 203;
  assert.equal(instantMicros('2025-03-04T09:15:22.481203-0800'), us);
  assert.equal(instantMicros('2025-03-04T09:15:22.481203-08:00'), us);
  assert.equal(instantMicros('2025-03-04T22:45:22.481203+0530'), us);
  assert.equal(instantMicros('2025-03-04T17:15:22.481203Z'), us);
  assert.equal(instantMicros('2025-03-04T17:15:22.481203+0000\n'), us);
  // As strings these sort the other way round: only instants order them correctly.
  const a = '2025-03-04T09:15:22.000000-0800';
  const b = '2025-03-04T12:15:21.000000-0500';
  assert.ok(a < b && instantMicros(a)! > instantMicros(b)!);
});

test('ts without an offset or not a time is no instant', () => {
  for (const bad of ['2025-03-04T09:15:22.481203', 'yesterday', 42, undefined, '2025-13-04T09:15:22Z'])
    assert.equal(instantMicros(bad), undefined, String(bad));
});

test('sinceTime: floored to the hour, offset without a colon', () => {
  const t = Date.parse('2025-03-04T09:59:59.999Z');
  assert.equal(apiTime(floorHour(t)), '2025-03-04T09:00:00.000+0000');
});
