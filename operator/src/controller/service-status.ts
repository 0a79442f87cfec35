// A Service's status: whether its settings are accepted and whether the Collector that runs it is Ready.
// Built purely from what the Collector's reconcile found, then written through the StatusWriter.
import { CONDITION, REASON } from '../api/conditions.ts';
import type { CollectorResource, ServiceResource, ServiceStatus } from '../api/types.ts';
import type { Condition } from '../reconcile/contract.ts';
import { mergeConditions, type ConditionTransition } from './condition-set.ts';
import { CONTROLLER_REASON } from './status-reasons.ts';
import type { StatusWriter } from './status-writer.ts';

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
      reason: CONTROLLER_REASON.collectorNotReady,
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

/** Writes the status of every Service of a Collector that was just reconciled. */
export async function writeServiceStatuses(
  writer: StatusWriter,
  input: {
    collector: CollectorResource;
    services: ServiceResource[];
    problems: Record<string, string[]>;
    resetCompleted: ServiceResource[];
    now: string;
  },
): Promise<void> {
  const { collector, now } = input;
  const ready = collector.status?.conditions?.find((c) => c.type === CONDITION.ready);
  for (const service of input.services) {
    const { status, transitions } = buildServiceStatus({
      service,
      collector: {
        name: collector.metadata.name,
        ready: ready?.status === 'True',
        readyMessage: ready?.message ?? 'no status yet',
      },
      problems: input.problems[service.metadata.name] ?? [],
      resetAt: input.resetCompleted.includes(service) ? now : undefined,
      now,
    });
    await writer.writeService(service, status, transitions);
  }
}

/** Services whose Collector does not exist say so. */
export async function writeOrphanServiceStatuses(
  writer: StatusWriter,
  services: ServiceResource[],
  now: string,
): Promise<void> {
  for (const service of services) {
    const { status, transitions } = buildServiceStatus({ service, collector: undefined, problems: [], now });
    await writer.writeService(service, status, transitions);
  }
}
