import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceResource } from '../../../operator/src/api/types.ts';
import { planResets, resetFingerprint } from '../../../operator/src/controller/reset-plan.ts';

function svc(name: string, spec: Partial<ServiceResource['spec']> = {}): ServiceResource {
  return {
    apiVersion: 'collectors.devo.com/v1alpha1',
    kind: 'Service',
    metadata: { name, namespace: 'ns' },
    spec: { collectorRef: { name: 'c' }, service: 'signIns', ...spec },
  };
}

const a = svc('a', { startTimeInUtc: '2025-01-01T00:00:00Z' });
const aMoved = svc('a', { startTimeInUtc: '2024-01-01T00:00:00Z' });
const aAuth = svc('a', { startTimeInUtc: '2025-01-01T00:00:00Z', resetPersistenceAuth: '2' });
const fp = resetFingerprint;

const cases: {
  name: string;
  recorded: Record<string, string> | undefined;
  services: ServiceResource[];
  resets: Record<string, string>;
  wipe: string[];
  finish: string[];
  changed: boolean;
}[] = [
  {
    name: 'first sight records, no reset',
    recorded: undefined,
    services: [a],
    resets: { a: fp(a) },
    wipe: [],
    finish: [],
    changed: true,
  },
  {
    name: 'unchanged: nothing to do',
    recorded: { a: fp(a) },
    services: [a],
    resets: { a: fp(a) },
    wipe: [],
    finish: [],
    changed: false,
  },
  {
    name: 'a moved start time starts a reset',
    recorded: { a: fp(a) },
    services: [aMoved],
    resets: { a: `${fp(aMoved)}/wiping` },
    wipe: ['a'],
    finish: [],
    changed: true,
  },
  {
    name: 'a new resetPersistenceAuth starts a reset',
    recorded: { a: fp(a) },
    services: [aAuth],
    resets: { a: `${fp(aAuth)}/wiping` },
    wipe: ['a'],
    finish: [],
    changed: true,
  },
  {
    name: 'a reset in progress resumes (operator restart)',
    recorded: { a: `${fp(aMoved)}/wiping` },
    services: [aMoved],
    resets: { a: `${fp(aMoved)}/wiping` },
    wipe: ['a'],
    finish: [],
    changed: false,
  },
  {
    name: 'a wiped service waits only for its fingerprint to be recorded',
    recorded: { a: `${fp(aMoved)}/wiped` },
    services: [aMoved],
    resets: { a: `${fp(aMoved)}/wiped` },
    wipe: [],
    finish: ['a'],
    changed: false,
  },
  {
    name: 'changed again mid-reset: wipe for the newest value',
    recorded: { a: `${fp(aMoved)}/wiped` },
    services: [aAuth],
    resets: { a: `${fp(aAuth)}/wiping` },
    wipe: ['a'],
    finish: [],
    changed: true,
  },
  {
    name: 'a deleted Service is forgotten',
    recorded: { a: fp(a), gone: 'x' },
    services: [a],
    resets: { a: fp(a) },
    wipe: [],
    finish: [],
    changed: true,
  },
];

for (const c of cases) {
  test(`planResets: ${c.name}`, () => {
    const plan = planResets(c.recorded, c.services);
    assert.deepEqual(plan.resets, c.resets);
    assert.deepEqual(
      plan.toWipe.map((s) => s.metadata.name),
      c.wipe,
    );
    assert.deepEqual(
      plan.toFinish.map((s) => s.metadata.name),
      c.finish,
    );
    assert.equal(plan.changed, c.changed);
  });
}

test('the fingerprint depends on exactly startTimeInUtc and resetPersistenceAuth', () => {
  assert.equal(fp(a), fp(svc('a', { startTimeInUtc: '2025-01-01T00:00:00Z', requestPeriodSeconds: 600 })));
  assert.notEqual(fp(a), fp(aMoved));
  assert.notEqual(fp(a), fp(aAuth));
  assert.match(fp(a), /^[0-9a-f]{16}$/);
});
