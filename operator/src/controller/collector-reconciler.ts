// One reconcile of one Collector, level-based, in five steps: read the Collector (fresh from the API
// server) → plan (its Services and Secrets from the cache, desiredState(), the resets due) → wipe (advance
// any state reset) → apply (every child; prune the rest) → report (status of the Collector and its
// Services). Reset order: (a) status says wiping, (b) wipe, (b') status says wiped, (c) apply the new
// config, (d) record the fingerprint; each step is durable before the next starts.
import type { KubernetesObject } from '@kubernetes/client-node';
import { stateKey } from '../../../collector-runtime/src/state/store.ts';
import type { Logger } from 'pino';
import { CONDITION } from '../api/conditions.ts';
import type { CollectorResource, ServiceResource } from '../api/types.ts';
import { apiMessageOf, isNotFound, OperatorError } from '../errors.ts';
import { COLLECTOR_KIND } from '../k8s/resource-kinds.ts';
import type { KubeRest } from '../k8s/rest-client.ts';
import type { DesiredState, OperatorSettings, ReconcileInput } from '../reconcile/contract.ts';
import type { OperatorMetrics } from '../metrics.ts';
import { childKey, type ChildApplier } from './child-applier.ts';
import { objectKey, splitKey, type ClusterCache } from './cluster-cache.ts';
import { buildCollectorStatus, type CollectorStatusInput } from '../reconcile/status.ts';
import type { EventRecorder } from './event-recorder.ts';
import { formatResetEntry, planResets, resetFingerprint } from './reset-plan.ts';
import { wipeServiceState } from './reset.ts';
import { secretView } from './secret-digest.ts';
import {
  involvedObject,
  writeOrphanServiceStatuses,
  writeServiceStatuses,
  type StatusWriter,
} from './status-writer.ts';
import type { ReconcileResult } from './work-queue.ts';

export interface ReconcilerDeps {
  rest: KubeRest;
  cache: ClusterCache;
  applier: ChildApplier;
  statusWriter: StatusWriter;
  events: EventRecorder;
  settings: OperatorSettings;
  desiredState: (input: ReconcileInput) => DesiredState;
  log: Logger;
  metrics?: OperatorMetrics;
  now: () => number;
}

/** The Collector's status write found it deleted: the reconcile ends quietly. */
class CollectorGone extends Error {}

/** metav1.Time is second precision. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Read from the API server, not the cache: status.resets is what makes a reset happen exactly once, and a
 * cached copy that has not caught up with our last status write could start the same reset again.
 */
async function readCollector(
  deps: ReconcilerDeps,
  namespace: string,
  name: string,
): Promise<CollectorResource | undefined> {
  try {
    return await deps.rest.get<CollectorResource>(
      await deps.rest.pathOf(COLLECTOR_KIND.apiVersion, COLLECTOR_KIND.kind, namespace, name),
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new OperatorError(
      'OP_ERR_KUBE_API',
      `cannot read Collector ${namespace}/${name}: ${apiMessageOf(err)}`,
      {
        cause: err,
      },
    );
  }
}

export async function reconcileCollector(deps: ReconcilerDeps, key: string): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const collector = await readCollector(deps, namespace, name);
  if (!collector) return collectorDeleted(deps, key);
  if (collector.metadata.deletionTimestamp) return {};
  const run = plan(deps, key, collector);
  try {
    const waiting = await wipe(run);
    if (waiting) {
      await run.writeStatus({ resetting: waiting.resetting });
      return { requeueAfterMs: waiting.waitMs };
    }
    await apply(run);
    await report(run);
  } catch (err) {
    // Deleted while we worked on it: its children go with it, and the delete event reconciles its Services.
    if (err instanceof CollectorGone) return {};
    const message = err instanceof Error ? err.message : String(err);
    await run
      .writeStatus({ reconcileError: message })
      .catch((statusErr: unknown) =>
        run.log.warn({ err: statusErr }, 'Failed to record the reconcile error in Collector status'),
      );
    throw err;
  }
  return {};
}

/** Children go with the Collector (owner references); only the Services that named it remain to tell. */
async function collectorDeleted(deps: ReconcilerDeps, key: string): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  deps.applier.forget(key);
  await writeOrphanServiceStatuses(
    deps.statusWriter,
    deps.cache.servicesOf(namespace, name),
    timestamp(deps.now()),
  );
  return {};
}

/** One reconcile in progress: what was read and planned, and what it has done so far. */
interface Run {
  deps: ReconcilerDeps;
  key: string;
  log: Logger;
  /** As last written: each status write replaces it. */
  collector: CollectorResource;
  services: ServiceResource[];
  desired: DesiredState;
  /** The render is valid (ConfigValid): there is something to apply. */
  configValid: boolean;
  /** ...and every Secret and key exists (SecretsFound): resets may proceed. */
  valid: boolean;
  /** status.resets as this reconcile leaves it. */
  resets: Record<string, string>;
  /** Services whose state must be wiped before the new config rolls out, and those wiped already. */
  toWipe: ServiceResource[];
  toFinish: ServiceResource[];
  resetCompleted: ServiceResource[];
  writeStatus: (extra?: Partial<CollectorStatusInput>) => Promise<void>;
}

/** Plan: the Services and Secrets from the cache → desiredState(), and which resets are due. */
function plan(deps: ReconcilerDeps, key: string, collector: CollectorResource): Run {
  const { namespace, name } = splitKey(key);
  const services = deps.cache.servicesOf(namespace, name);
  const secretNames = [
    ...new Set([
      collector.spec.credentialsSecretRef?.name,
      collector.spec.output?.certificateSecretRef?.name,
    ]),
  ].filter((n): n is string => typeof n === 'string' && n.length > 0);
  const secrets = Object.fromEntries(
    secretNames.map((n) => [n, secretView(n, deps.cache.secret(namespace, n))]),
  );
  const desired = deps.desiredState({
    collector,
    services,
    secrets,
    settings: deps.settings,
    now: deps.now(),
  });
  const conditionTrue = (type: string) =>
    desired.conditions.every((c) => c.type !== type || c.status === 'True');
  const configValid = conditionTrue(CONDITION.configValid);
  const valid = configValid && conditionTrue(CONDITION.secretsFound);
  const previous = { ...(collector.status?.resets ?? {}) };
  const resetPlan = planResets(previous, services);

  const run: Run = {
    deps,
    key,
    log: deps.log.child({ collector: key }),
    collector,
    services,
    desired,
    configValid,
    valid,
    // A reset waits for a valid render (and its Secrets) before it records anything.
    resets: valid ? resetPlan.resets : previous,
    toWipe: resetPlan.toWipe,
    toFinish: valid ? resetPlan.toFinish : [],
    resetCompleted: [],
    writeStatus: async (extra = {}) => {
      const { status, transitions } = buildCollectorStatus({
        collector: run.collector,
        desired,
        deployment: currentDeployment(deps, desired),
        serviceNames: services.map((s) => s.metadata.name),
        resets: run.resets,
        resetCompleted: run.resetCompleted.map((s) => s.metadata.name),
        now: timestamp(deps.now()),
        ...extra,
      });
      // Resets get their own Events (started / completed).
      const shown = transitions.filter((t) => t.condition.type !== CONDITION.stateReset);
      const written = await deps.statusWriter.writeCollector(run.collector, status, shown);
      if (!written) throw new CollectorGone();
      run.collector = written;
    },
  };
  return run;
}

/** Wipe: advance the due resets; what it still waits for, or undefined when every wipe is done. */
async function wipe(
  run: Run,
): Promise<{ waitMs: number; resetting: { services: string[]; waitingFor: string } } | undefined> {
  if (!run.valid || run.toWipe.length === 0) return undefined;
  const outcome = await advanceResets(run.deps, run.log, run.collector, run.desired, run.toWipe, {
    markWiping: async (names) => {
      await run.writeStatus({ resetting: { services: names, waitingFor: 'the state to be wiped' } });
    },
    markWiped: async (service) => {
      run.resets[service.metadata.name] = formatResetEntry({
        fingerprint: resetFingerprint(service),
        phase: 'wiped',
      });
      await run.writeStatus({
        resetting: { services: [service.metadata.name], waitingFor: 'the new config to roll out' },
      });
    },
    isNew: (service) =>
      run.collector.status?.resets?.[service.metadata.name] !== run.resets[service.metadata.name],
  });
  if (!outcome) run.toFinish.push(...run.toWipe);
  return outcome;
}

/**
 * Apply every child and prune the ones no longer desired. Without a valid config there is nothing to
 * apply; a reset waiting for a valid render blocks it too, so new settings never roll out ahead of the
 * wipe. With missing Secrets the render withholds only the Deployment, so the collector starts the
 * moment the Secret appears.
 */
async function apply(run: Run): Promise<void> {
  const blocked = !run.valid && run.toWipe.length > 0;
  if (!run.configValid || blocked) return;
  for (const obj of run.desired.objects) await run.deps.applier.apply(obj, run.key);
  await pruneChildren(run.deps, run.collector, run.desired);
}

/** Report: record finished resets (fingerprint, metric, Event), then the Collector's and its Services' status. */
async function report(run: Run): Promise<void> {
  const { deps, collector, desired } = run;
  for (const service of run.toFinish) {
    run.resets[service.metadata.name] = resetFingerprint(service);
    run.resetCompleted.push(service);
    deps.metrics?.resetsTotal.inc({ persistence: desired.state.location.type });
    run.log.info({ service: service.metadata.name }, 'Reset Service state');
    await deps.events.record(
      involvedObject(collector),
      'Normal',
      'StateReset',
      `reset the state of Service ${service.metadata.name} (${service.spec.service}); it pulls again from startTimeInUtc`,
    );
  }
  await run.writeStatus();
  await writeServiceStatuses(deps.statusWriter, {
    collector: run.collector,
    services: run.services,
    problems: desired.serviceProblems,
    resetCompleted: run.resetCompleted,
    now: timestamp(deps.now()),
  });
}

interface ResetHooks {
  markWiping: (services: string[]) => Promise<void>;
  markWiped: (service: ServiceResource) => Promise<void>;
  isNew: (service: ServiceResource) => boolean;
}

/** Wipes what it can now; returns what it waits for, or undefined when every pending wipe is done. */
async function advanceResets(
  deps: ReconcilerDeps,
  log: Logger,
  collector: CollectorResource,
  desired: DesiredState,
  toWipe: ServiceResource[],
  hooks: ResetHooks,
): Promise<{ waitMs: number; resetting: { services: string[]; waitingFor: string } } | undefined> {
  const fresh = toWipe.filter(hooks.isNew);
  if (fresh.length > 0) {
    // (a) durable intent first: a restart from here on resumes this reset rather than skipping it.
    await hooks.markWiping(toWipe.map((s) => s.metadata.name));
    for (const service of fresh) {
      log.info({ service: service.metadata.name }, 'Started Service state reset');
      await deps.events.record(
        involvedObject(collector),
        'Normal',
        'StateResetStarted',
        `startTimeInUtc or resetPersistenceAuth of Service ${service.metadata.name} changed: wiping its state before the new settings roll out`,
      );
    }
  }
  const owner = objectKey(collector.metadata.namespace, collector.metadata.name);
  for (const service of toWipe) {
    const outcome = await wipeServiceState(
      {
        rest: deps.rest,
        current: (obj) => deps.applier.current(obj),
        apply: async (obj) => {
          await deps.applier.apply(obj, owner);
        },
        remove: (obj) => deps.applier.remove(obj),
      },
      {
        collector,
        location: desired.state.location,
        deployment: desired.objects.find((o) => o.kind === 'Deployment'),
        service,
        key: stateKey(collector.spec.source, desired.state.inputId, service.spec.service),
        fingerprint: resetFingerprint(service),
      },
    );
    if (!outcome.done)
      return {
        waitMs: outcome.waitMs,
        resetting: { services: toWipe.map((s) => s.metadata.name), waitingFor: outcome.waitingFor },
      };
    await hooks.markWiped(service);
  }
  return undefined;
}

function currentDeployment(deps: ReconcilerDeps, desired: DesiredState): KubernetesObject | undefined {
  const deployment = desired.objects.find((o) => o.kind === 'Deployment');
  return deployment ? deps.applier.current(deployment) : undefined;
}

/** Deletes owned children the render no longer wants (withheld ones stay); finished reset Jobs go too. */
async function pruneChildren(
  deps: ReconcilerDeps,
  collector: CollectorResource,
  desired: DesiredState,
): Promise<void> {
  const uid = collector.metadata.uid;
  if (!uid) return;
  const wanted = new Set(desired.objects.map(childKey));
  const withheld = new Set(desired.withheld ?? []);
  for (const obj of deps.cache.ownedBy(collector.metadata.namespace ?? 'default', uid)) {
    if (wanted.has(childKey(obj)) || withheld.has(`${obj.kind}/${obj.metadata?.name}`)) continue;
    // Never delete what we cannot name exactly.
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) continue;
    await deps.applier.remove(obj);
  }
}
