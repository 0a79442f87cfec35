// Merging freshly computed conditions into the stored ones the way metav1.Condition expects:
// lastTransitionTime moves only when status changes, and every transition is reported so it can
// become a Kubernetes Event.
import type { ConditionStatus } from '../api/types.ts';
import type { Condition } from '../reconcile/contract.ts';

export interface ConditionTransition {
  condition: ConditionStatus;
  /** Undefined when the condition appears for the first time. */
  previousStatus: ConditionStatus['status'] | undefined;
  /** Warning when the new status is a bad one for this type (Ready=False, Degraded=True...). */
  warning: boolean;
}

/** Types where True is the bad state; for the rest False is bad (Progressing is neither). */
const TRUE_IS_BAD = new Set(['Degraded']);
const NEUTRAL = new Set(['Progressing']);
/** Types whose bad state is a problem to fix, not a step on the way to Ready. */
const PROBLEM_TYPES = new Set(['ConfigValid', 'SecretsFound', 'Degraded']);

export function isBadCondition(c: { type: string; status: string }): boolean {
  if (NEUTRAL.has(c.type) || c.status === 'Unknown') return false;
  return TRUE_IS_BAD.has(c.type) ? c.status === 'True' : c.status === 'False';
}

export function mergeConditions(
  previous: readonly ConditionStatus[] | undefined,
  next: readonly Condition[],
  opts: { now: string; observedGeneration: number | undefined },
): { conditions: ConditionStatus[]; transitions: ConditionTransition[] } {
  const before = new Map((previous ?? []).map((c) => [c.type, c]));
  const transitions: ConditionTransition[] = [];
  const conditions = next.map((c): ConditionStatus => {
    const old = before.get(c.type);
    const changed = !old || old.status !== c.status;
    const merged: ConditionStatus = {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: changed ? opts.now : old.lastTransitionTime,
      ...(opts.observedGeneration !== undefined ? { observedGeneration: opts.observedGeneration } : {}),
    };
    const warning = isBadCondition(c);
    // A first appearance is news only when it names a problem (a fresh Collector not being Ready yet is not).
    if (changed && (old || (warning && PROBLEM_TYPES.has(c.type))))
      transitions.push({ condition: merged, previousStatus: old?.status, warning });
    return merged;
  });
  return { conditions, transitions };
}

export function findCondition<T extends { type: string }>(
  conditions: readonly T[] | undefined,
  type: string,
): T | undefined {
  return conditions?.find((c) => c.type === type);
}
