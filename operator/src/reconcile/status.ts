// Every status the operator writes, computed in one place from what was observed: the render's findings
// (ConfigValid, SecretsFound), the Deployment's rollout, any reset in flight and the last error for a
// Collector; its Collector's state and its own problems for a Service. Pure: controller/status-writer.ts
// writes the results. Condition types and reasons live in api/conditions.ts. Messages say what to do and
// never carry a secret value (reconcile never sees one; the runtime's validator masks secret settings).
import type { KubernetesObject } from '@kubernetes/client-node';
import { CONDITION, REASON } from '../api/conditions.ts';
import type {
  CollectorResource,
  CollectorStatus,
  ConditionStatus,
  ServiceResource,
  ServiceStatus,
} from '../api/types.ts';
import type { Condition, DesiredState } from './contract.ts';
import { formatProblem, type FieldProblem } from './field-problem.ts';
import type { SecretProblem } from './secret-layout.ts';

// ---- the render's own conditions ----

/** metav1.Condition allows 32 KiB; a screenful is what people read. */
const MAX_MESSAGE = 4000;

export function secretsFoundCondition(
  problems: readonly SecretProblem[],
  namespace: string | undefined,
): Condition {
  if (problems.length === 0)
    return condition(
      CONDITION.secretsFound,
      'True',
      REASON.secretsFound,
      'The credentials and certificate Secrets hold every key',
    );
  const reason = problems.some((p) => p.missingKeys === undefined)
    ? REASON.secretNotFound
    : REASON.secretKeyMissing;
  const where = namespace ? ` in namespace ${namespace}` : '';
  const lines = problems.map((p) =>
    p.missingKeys === undefined
      ? `Secret ${p.secret} (${p.field}) not found${where}: create it with ${p.expected}`
      : `Secret ${p.secret} (${p.field}) has no key ${p.missingKeys.join(', ')}: it must hold ${p.expected}`,
  );
  return condition(
    CONDITION.secretsFound,
    'False',
    reason,
    `${lines.join('; ')}. The collector is not started until then`,
  );
}

export interface ConfigFindings {
  /** Broken CRD rules (an API server without CEL validation admitted the resource). */
  ruleErrors: readonly FieldProblem[];
  /** Every error, rule errors included. */
  errors: readonly FieldProblem[];
  warnings: readonly FieldProblem[];
}

export function configValidCondition(findings: ConfigFindings, serviceCount: number): Condition {
  const { ruleErrors, errors, warnings } = findings;
  if (ruleErrors.length > 0)
    return condition(
      CONDITION.configValid,
      'False',
      REASON.crdRuleViolated,
      `${errors.map(formatProblem).join('; ')}. The CustomResourceDefinition forbids this but this API server does not enforce CEL validation rules (Kubernetes before 1.25), so the operator applies nothing until it is fixed (a running collector keeps its previous config)`,
    );
  if (errors.length > 0) {
    const noServices = serviceCount === 0;
    return condition(
      CONDITION.configValid,
      'False',
      noServices ? REASON.noServices : REASON.configInvalid,
      `${errors.map(formatProblem).join('; ')}. The running collector (if any) keeps its previous config`,
    );
  }
  const note = warnings.length > 0 ? `; warnings: ${warnings.map(formatProblem).join('; ')}` : '';
  return condition(
    CONDITION.configValid,
    'True',
    REASON.configValid,
    `config.yaml for ${serviceCount} service${serviceCount === 1 ? '' : 's'} passed the collector runtime's validation${note}`,
  );
}

/** Problems grouped by Service name (for each Service's own status). */
export function problemsByService(problems: readonly FieldProblem[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of problems) if (p.kind === 'Service') (out[p.name] ??= []).push(formatProblem(p));
  return out;
}

function condition(
  type: Condition['type'],
  status: Condition['status'],
  reason: string,
  message: string,
): Condition {
  return {
    type,
    status,
    reason,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message,
  };
}

// ---- metav1.Condition bookkeeping: lastTransitionTime moves only on a status change; transitions become Events ----

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

// ---- Collector ----

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
    ready = condition('Ready', 'False', REASON.resetInProgress, `waiting for ${input.resetting.waitingFor}`);
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
      REASON.resetInProgress,
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
  else progressing = condition('Progressing', 'False', REASON.rolloutComplete, r.message);

  let degraded: Condition;
  if (input.reconcileError)
    degraded = condition('Degraded', 'True', REASON.reconcileFailed, input.reconcileError);
  else if (blocker) degraded = condition('Degraded', 'True', blocker.reason, blocker.message);
  else degraded = condition('Degraded', 'False', REASON.asExpected, 'no problems found');

  return [ready, configValid, secretsFound, progressing, degraded, stateResetCondition(input)];
}

function stateResetCondition(input: CollectorStatusInput): Condition {
  if (input.resetting)
    return condition(
      'StateReset',
      'False',
      REASON.resetInProgress,
      `resetting state of ${input.resetting.services.join(', ')}`,
    );
  if (input.resetCompleted.length > 0)
    return condition(
      'StateReset',
      'True',
      REASON.resetCompleted,
      `state of ${input.resetCompleted.join(', ')} was reset at ${input.now}: history is pulled again from startTimeInUtc`,
    );
  const previous = findCondition(input.collector.status?.conditions, CONDITION.stateReset);
  if (previous && previous.reason !== REASON.resetInProgress)
    return condition('StateReset', previous.status, previous.reason, previous.message);
  return condition('StateReset', 'False', REASON.noReset, 'no state reset was requested');
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
    persistence: {
      type: input.desired.state.location.type === 'pvc' ? 'PersistentVolumeClaim' : 'ConfigMap',
    },
  };
  // lastPullTime is the runtime's own field (status-reporter.ts, its own SSA field manager): never written here.
  return { status, transitions };
}

// ---- Service ----

export interface ServiceStatusInput {
  service: ServiceResource;
  /** Undefined when the referenced Collector does not exist. */
  collector: { name: string; ready: boolean; readyMessage: string } | undefined;
  problems: string[];
  /** Set when this reconcile finished a reset of the Service's state. */
  resetAt?: string;
  now: string;
}

export function buildServiceStatus(input: ServiceStatusInput): {
  status: ServiceStatus;
  transitions: ConditionTransition[];
} {
  const { service, collector, problems } = input;
  const configValid: Condition =
    problems.length > 0
      ? { type: 'ConfigValid', status: 'False', reason: REASON.serviceInvalid, message: problems.join('; ') }
      : { type: 'ConfigValid', status: 'True', reason: REASON.serviceAccepted, message: 'settings accepted' };
  let ready: Condition;
  if (!collector)
    ready = {
      type: 'Ready',
      status: 'False',
      reason: REASON.collectorNotFound,
      message: `Collector ${service.spec.collectorRef.name} does not exist in namespace ${service.metadata.namespace}`,
    };
  else if (problems.length > 0)
    ready = { type: 'Ready', status: 'False', reason: REASON.serviceInvalid, message: problems.join('; ') };
  else if (!collector.ready)
    ready = {
      type: 'Ready',
      status: 'False',
      reason: REASON.collectorNotReady,
      message: `Collector ${collector.name} is not ready: ${collector.readyMessage}`,
    };
  else
    ready = {
      type: 'Ready',
      status: 'True',
      reason: REASON.deploymentAvailable,
      message: `running in Collector ${collector.name}`,
    };

  const generation = service.metadata.generation;
  const { conditions, transitions } = mergeConditions(service.status?.conditions, [ready, configValid], {
    now: input.now,
    observedGeneration: generation,
  });
  const status: ServiceStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions,
  };
  const lastResetTime = input.resetAt ?? service.status?.lastResetTime;
  if (lastResetTime) status.lastResetTime = lastResetTime;
  // A Service's Ready mirrors its Collector's, which has its own Events; only its own settings are news.
  return { status, transitions: transitions.filter((t) => t.condition.type === CONDITION.configValid) };
}
