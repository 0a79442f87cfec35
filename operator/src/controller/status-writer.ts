// Writes Collector and Service status through the /status subresource, only when it differs from what is
// stored (a write that changes nothing would wake every watcher), and turns condition transitions into
// Kubernetes Events.
import type { Logger } from 'pino';
import { CONDITION } from '../api/conditions.ts';
import type { CollectorResource, CollectorStatus, ServiceResource, ServiceStatus } from '../api/types.ts';
import { applyCustomStatus } from '../k8s/apply.ts';
import type { KubeRest } from '../k8s/rest-client.ts';
import { COLLECTOR_KIND, SERVICE_KIND } from '../k8s/resource-kinds.ts';
import { buildServiceStatus, type ConditionTransition } from '../reconcile/status.ts';
import type { EventRecorder, InvolvedObject } from './event-recorder.ts';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function involvedObject(obj: CollectorResource | ServiceResource): InvolvedObject {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? 'default',
    uid: obj.metadata.uid,
  };
}

export class StatusWriter {
  readonly #rest: KubeRest;
  readonly #events: EventRecorder;
  readonly #log: Logger;

  constructor(deps: { rest: KubeRest; events: EventRecorder; log: Logger }) {
    this.#rest = deps.rest;
    this.#events = deps.events;
    this.#log = deps.log;
  }

  /**
   * Returns the Collector as it now stands (status replaced), whether or not a write was needed; undefined
   * when it was deleted meanwhile (its story ends there: no Events, no error).
   */
  async writeCollector(
    collector: CollectorResource,
    status: CollectorStatus,
    transitions: ConditionTransition[],
  ): Promise<CollectorResource | undefined> {
    if (canonicalJson(status) !== canonicalJson(collector.status ?? {})) {
      const outcome = await applyCustomStatus(
        this.#rest,
        {
          ...COLLECTOR_KIND,
          namespace: collector.metadata.namespace ?? 'default',
          name: collector.metadata.name,
        },
        status,
      );
      const key = `${collector.metadata.namespace}/${collector.metadata.name}`;
      if (outcome === 'gone') {
        this.#log.debug({ collector: key }, 'Collector deleted before its status was written');
        return undefined;
      }
      this.#log.debug({ collector: key }, 'Updated Collector status');
    }
    await this.#recordTransitions(involvedObject(collector), transitions);
    return { ...collector, status };
  }

  async writeService(
    service: ServiceResource,
    status: ServiceStatus,
    transitions: ConditionTransition[],
  ): Promise<void> {
    if (canonicalJson(status) !== canonicalJson(service.status ?? {})) {
      const outcome = await applyCustomStatus(
        this.#rest,
        { ...SERVICE_KIND, namespace: service.metadata.namespace ?? 'default', name: service.metadata.name },
        status,
      );
      // Deleted together with (or before) its Collector: nothing left to report on.
      if (outcome === 'gone') return;
    }
    await this.#recordTransitions(involvedObject(service), transitions);
  }

  async #recordTransitions(obj: InvolvedObject, transitions: ConditionTransition[]): Promise<void> {
    for (const t of transitions) {
      const c = t.condition;
      await this.#events.record(
        obj,
        t.warning ? 'Warning' : 'Normal',
        c.reason,
        `${c.type} is ${c.status}: ${c.message}`,
      );
    }
  }
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
