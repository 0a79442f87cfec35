// A Collector's status from what the reconcile saw: the render's own conditions (ConfigValid, SecretsFound),
// the Deployment's rollout, any reset in flight and the last error. Pure: the caller writes it.
import type { KubernetesObject } from '@kubernetes/client-node';
import { CONDITION, REASON } from '../api/conditions.ts';
import type { CollectorResource, CollectorStatus } from '../api/types.ts';
import type { Condition, DesiredState } from '../reconcile/contract.ts';
import { findCondition, mergeConditions, type ConditionTransition } from './condition-set.ts';
import { CONTROLLER_REASON } from './status-reasons.ts';

export interface CollectorStatusInput {
  collector: CollectorResource;
  desired: DesiredState;
  /** The Deployment as last seen, if it exists. */
  deployment: KubernetesObject | undefined;
  serviceNames: string[];
  resets: Record<string, string>;
  /** Services whose state is being wiped right now, and what the reset waits for. */
  resetting?: { services: string[]; waitingFor: string };
  /** Services whose reset finished in this reconcile. */
  resetCompleted: string[];
  reconcileError?: string;
  now: string;
}

interface DeploymentView {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

export function rollout(deployment: KubernetesObject | undefined): {
  complete: boolean;
  available: number;
  message: string;
} {
  if (!deployment) return { complete: false, available: 0, message: 'the Deployment does not exist yet' };
  const d = deployment as DeploymentView;
  const name = d.metadata?.name ?? '';
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const available = s.availableReplicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const complete = observed && updated >= want && (s.replicas ?? 0) <= want && available >= want;
  const message = !observed
    ? `Deployment ${name} has changes the Deployment controller has not seen yet`
    : `Deployment ${name}: ${updated} of ${want} updated replica${want === 1 ? '' : 's'}, ${available} available`;
  return { complete, available, message };
}

function condition(
  type: Condition['type'],
  status: Condition['status'],
  reason: string,
  message: string,
): Condition {
  return { type, status, reason, message };
}

export function collectorConditions(input: CollectorStatusInput): Condition[] {
  const configValid =
    findCondition(input.desired.conditions, CONDITION.configValid) ??
    condition('ConfigValid', 'True', REASON.configValid, 'the rendered config.yaml is valid');
  const secretsFound =
    findCondition(input.desired.conditions, CONDITION.secretsFound) ??
    condition('SecretsFound', 'True', REASON.secretsFound, 'every referenced Secret and key exists');
  const blocker = [configValid, secretsFound].find((c) => c.status !== 'True');
  const r = rollout(input.deployment);
  const deploymentName = (input.deployment as DeploymentView | undefined)?.metadata?.name;

  let ready: Condition;
  if (blocker) ready = condition('Ready', 'False', blocker.reason, blocker.message);
  else if (input.resetting)
    ready = condition(
      'Ready',
      'False',
      CONTROLLER_REASON.resetInProgress,
      `waiting for ${input.resetting.waitingFor}`,
    );
  else if (r.available > 0 && r.complete)
    ready = condition(
      'Ready',
      'True',
      REASON.deploymentAvailable,
      `Deployment ${deploymentName} is available`,
    );
  else if (!r.complete) ready = condition('Ready', 'False', REASON.deploymentProgressing, r.message);
  else ready = condition('Ready', 'False', REASON.deploymentUnavailable, r.message);

  let progressing: Condition;
  if (input.resetting)
    progressing = condition(
      'Progressing',
      'True',
      CONTROLLER_REASON.resetInProgress,
      `resetting state of ${input.resetting.services.join(', ')}: waiting for ${input.resetting.waitingFor}`,
    );
  else if (blocker)
    progressing = condition(
      'Progressing',
      'False',
      REASON.deploymentWithheld,
      'nothing is rolled out until the problem is fixed',
    );
  else if (!r.complete)
    progressing = condition('Progressing', 'True', REASON.deploymentProgressing, r.message);
  else progressing = condition('Progressing', 'False', CONTROLLER_REASON.rolloutComplete, r.message);

  let degraded: Condition;
  if (input.reconcileError)
    degraded = condition('Degraded', 'True', CONTROLLER_REASON.reconcileFailed, input.reconcileError);
  else if (blocker) degraded = condition('Degraded', 'True', blocker.reason, blocker.message);
  else degraded = condition('Degraded', 'False', CONTROLLER_REASON.asExpected, 'no problems found');

  return [ready, configValid, secretsFound, progressing, degraded, stateResetCondition(input)];
}

function stateResetCondition(input: CollectorStatusInput): Condition {
  if (input.resetting)
    return condition(
      'StateReset',
      'False',
      CONTROLLER_REASON.resetInProgress,
      `resetting state of ${input.resetting.services.join(', ')}`,
    );
  if (input.resetCompleted.length > 0)
    return condition(
      'StateReset',
      'True',
      CONTROLLER_REASON.resetCompleted,
      `state of ${input.resetCompleted.join(', ')} was reset at ${input.now}: history is pulled again from startTimeInUtc`,
    );
  const previous = findCondition(input.collector.status?.conditions, CONDITION.stateReset);
  if (previous && previous.reason !== CONTROLLER_REASON.resetInProgress)
    return condition('StateReset', previous.status, previous.reason, previous.message);
  return condition('StateReset', 'False', CONTROLLER_REASON.noReset, 'no state reset was requested');
}

export function buildCollectorStatus(input: CollectorStatusInput): {
  status: CollectorStatus;
  transitions: ConditionTransition[];
} {
  const generation = input.collector.metadata.generation;
  const next = collectorConditions(input);
  const { conditions, transitions } = mergeConditions(input.collector.status?.conditions, next, {
    now: input.now,
    observedGeneration: generation,
  });
  const ready = next[0]!.status === 'True';
  const problems = input.desired.serviceProblems;
  const status: CollectorStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions,
    services: input.serviceNames.length,
    readyServices: ready ? input.serviceNames.filter((s) => (problems[s]?.length ?? 0) === 0).length : 0,
    configHash: input.desired.configHash,
    resets: input.resets,
  };
  // lastPullTime is the runtime's own field (status-reporter.ts, its own SSA field manager): never written here.
  return { status, transitions };
}
