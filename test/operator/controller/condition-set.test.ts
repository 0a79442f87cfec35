import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConditionStatus } from '../../../operator/src/api/types.ts';
import { mergeConditions } from '../../../operator/src/reconcile/status.ts';
import type { Condition } from '../../../operator/src/reconcile/contract.ts';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:05:00Z';
const cond = (
  type: Condition['type'],
  status: Condition['status'],
  reason = 'R',
  message = 'm',
): Condition => ({
  type,
  status,
  reason,
  message,
});

test('lastTransitionTime moves only when status changes; reason and message changes keep it', () => {
  const first = mergeConditions(undefined, [cond('Ready', 'False', 'DeploymentProgressing')], {
    now: T0,
    observedGeneration: 1,
  });
  assert.equal(first.conditions[0]!.lastTransitionTime, T0);
  const same = mergeConditions(first.conditions, [cond('Ready', 'False', 'DeploymentUnavailable', 'other')], {
    now: T1,
    observedGeneration: 2,
  });
  assert.equal(same.conditions[0]!.lastTransitionTime, T0);
  assert.equal(same.conditions[0]!.reason, 'DeploymentUnavailable');
  assert.equal(same.conditions[0]!.observedGeneration, 2);
  assert.deepEqual(same.transitions, []);
  const flipped = mergeConditions(same.conditions, [cond('Ready', 'True', 'DeploymentAvailable')], {
    now: T1,
    observedGeneration: 2,
  });
  assert.equal(flipped.conditions[0]!.lastTransitionTime, T1);
  assert.deepEqual(
    flipped.transitions.map((t) => [t.condition.type, t.previousStatus, t.condition.status, t.warning]),
    [['Ready', 'False', 'True', false]],
  );
});

const firstAppearances: { name: string; condition: Condition; event: boolean; warning?: boolean }[] = [
  { name: 'Ready=False at creation is not news', condition: cond('Ready', 'False'), event: false },
  { name: 'Ready=True at once is not news', condition: cond('Ready', 'True'), event: false },
  {
    name: 'ConfigValid=False is a Warning',
    condition: cond('ConfigValid', 'False'),
    event: true,
    warning: true,
  },
  {
    name: 'SecretsFound=False is a Warning',
    condition: cond('SecretsFound', 'False'),
    event: true,
    warning: true,
  },
  { name: 'Degraded=True is a Warning', condition: cond('Degraded', 'True'), event: true, warning: true },
  { name: 'Degraded=False is not news', condition: cond('Degraded', 'False'), event: false },
  { name: 'Progressing is never a Warning', condition: cond('Progressing', 'True'), event: false },
];
for (const c of firstAppearances) {
  test(`first appearance: ${c.name}`, () => {
    const { transitions } = mergeConditions([] as ConditionStatus[], [c.condition], {
      now: T0,
      observedGeneration: 1,
    });
    assert.equal(transitions.length, c.event ? 1 : 0);
    if (c.event) assert.equal(transitions[0]!.warning, c.warning);
  });
}
