// Lookups into a DesiredState for the reconcile tests.
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { DesiredState } from '../../../operator/src/reconcile/contract.ts';

export type Obj = KubernetesObject & Record<string, any>;

export function find(d: DesiredState, kind: string, name?: string): Obj {
  const o = d.objects.find((x) => x.kind === kind && (name === undefined || x.metadata?.name === name));
  assert.ok(
    o,
    `expected a ${kind}${name ? ` ${name}` : ''} among ${d.objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')}`,
  );
  return o as Obj;
}

export function configOf(d: DesiredState): Record<string, any> {
  return parse(find(d, 'ConfigMap', 'graph-audit-config').data['config.yaml']);
}

export const condition = (d: DesiredState, type: string) => d.conditions.find((c) => c.type === type)!;

export function podSpec(d: DesiredState): Record<string, any> {
  return find(d, 'Deployment').spec.template.spec;
}
