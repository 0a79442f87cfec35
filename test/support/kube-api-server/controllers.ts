// Opt-in stand-ins for kube-controller-manager and the kubelet: Deployments get "pods" (a test callback,
// e.g. a child process running the collector) and status; Jobs run a callback and get Complete/Failed;
// PersistentVolumeClaims bind. Every template change is a Recreate-style rollout.

import { createHash, randomBytes } from 'node:crypto';
import { isJsonObject, type JsonObject } from './json-value.ts';
import type { ObjectApi } from './object-api.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import type { ResourceType } from './resource-types.ts';
import type { StoreEvent } from './store.ts';
import { nowTimestamp } from './time-format.ts';

/** What a pod runner returns; `ready` gates readiness (else a fixed delay), `exited` reports a crash. */
export interface PodHandle {
  stop(): void | Promise<void>;
  ready?: Promise<void>;
  exited?: Promise<unknown>;
}

export interface PodContext {
  podName: string;
  namespace: string;
  /** 0-based replica slot. */
  index: number;
  /** How many times this pod slot was restarted after `exited` resolved. */
  restartCount: number;
}

export interface ControllerOptions {
  onPodStart?(deployment: JsonObject, pod: PodContext): PodHandle | void | Promise<PodHandle | void>;
  onJob?(job: JsonObject): Promise<number>;
  /** Delay before a started pod without a `ready` promise counts as ready (default 20 ms). */
  readyDelayMs?: number;
  /** Delay before a pod whose `exited` resolved is restarted (default 100 ms). */
  restartDelayMs?: number;
}

export interface ControllerHandle {
  stop(): Promise<void>;
}

interface Pod {
  name: string;
  index: number;
  restartCount: number;
  ready: boolean;
  stopped: boolean;
  handle: PodHandle | undefined;
  timers: NodeJS.Timeout[];
}

interface DeploymentState {
  templateHash: string;
  pods: Pod[];
  conditionTimes: Map<string, { status: string; reason: string; time: string }>;
}

const MANAGER = 'kube-controller-manager';

function meta(obj: JsonObject): JsonObject {
  return obj.metadata as JsonObject;
}

function keyOf(obj: JsonObject): string {
  return `${String(meta(obj).namespace ?? '')}/${String(meta(obj).name)}`;
}

export class WorkloadControllers implements ControllerHandle {
  readonly #api: ObjectApi;
  readonly #deployments: ResourceType;
  readonly #jobs: ResourceType;
  readonly #pvcs: ResourceType;
  readonly #opts: ControllerOptions;
  readonly #unsubscribe: () => void;
  readonly #states = new Map<string, DeploymentState>();
  readonly #rollouts: Map<string, number>;
  readonly #queue = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  readonly #jobsStarted = new Set<string>();
  #stopped = false;

  constructor(
    api: ObjectApi,
    registry: ResourceRegistry,
    opts: ControllerOptions,
    rollouts: Map<string, number>,
  ) {
    this.#api = api;
    this.#opts = opts;
    this.#rollouts = rollouts;
    const find = (g: string, p: string): ResourceType => {
      const t = registry.find(g, 'v1', p);
      if (!t) throw new Error(`missing built-in ${g}/${p}`);
      return t;
    };
    this.#deployments = find('apps', 'deployments');
    this.#jobs = find('batch', 'jobs');
    this.#pvcs = find('', 'persistentvolumeclaims');
    this.#unsubscribe = api.store.subscribe((e) => this.#onEvent(e));
    for (const obj of api.store.list(this.#deployments.storageKey)) this.#enqueue('deploy', keyOf(obj));
    for (const obj of api.store.list(this.#jobs.storageKey)) this.#enqueue('job', keyOf(obj));
    for (const obj of api.store.list(this.#pvcs.storageKey)) this.#enqueue('pvc', keyOf(obj));
  }

  runningPods(key: string): number {
    return this.#states.get(key)?.pods.filter((p) => !p.stopped).length ?? 0;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    await Promise.allSettled([...this.#queue.values()]);
    const pods = [...this.#states.values()].flatMap((s) => s.pods);
    await Promise.allSettled(pods.map((p) => this.#stopPod(p)));
    this.#states.clear();
  }

  #onEvent(event: StoreEvent): void {
    if (event.storageKey === this.#deployments.storageKey) this.#enqueue('deploy', keyOf(event.object));
    if (event.storageKey === this.#jobs.storageKey) this.#enqueue('job', keyOf(event.object));
    if (event.storageKey === this.#pvcs.storageKey && event.type === 'ADDED')
      this.#enqueue('pvc', keyOf(event.object));
  }

  /** One reconcile per key at a time; events arriving meanwhile coalesce into one more pass. */
  #enqueue(kind: 'deploy' | 'job' | 'pvc', key: string): void {
    if (this.#stopped) return;
    const id = `${kind}:${key}`;
    if (this.#queue.has(id)) {
      this.#dirty.add(id);
      return;
    }
    const run = async (): Promise<void> => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      do {
        this.#dirty.delete(id);
        if (this.#stopped) break;
        try {
          if (kind === 'deploy') await this.#reconcileDeployment(key);
          else if (kind === 'job') await this.#reconcileJob(key);
          else this.#bindClaim(key);
        } catch (err) {
          // A reconcile error must not kill the stand-in; the next event retries.
          process.emitWarning(`kube-api-test-server controller error for ${id}: ${String(err)}`);
        }
      } while (this.#dirty.has(id));
      this.#queue.delete(id);
    };
    this.#queue.set(id, run());
  }

  #read(type: ResourceType, key: string): JsonObject | undefined {
    const slash = key.indexOf('/');
    return this.#api.store.get(type.storageKey, key.slice(0, slash) || undefined, key.slice(slash + 1));
  }

  // ---- Deployments -------------------------------------------------------------------------------------

  async #reconcileDeployment(key: string): Promise<void> {
    const deployment = this.#read(this.#deployments, key);
    let state = this.#states.get(key);
    if (!deployment || meta(deployment).deletionTimestamp) {
      if (state) await Promise.allSettled(state.pods.map((p) => this.#stopPod(p)));
      this.#states.delete(key);
      return;
    }
    const spec = isJsonObject(deployment.spec) ? deployment.spec : {};
    const hash = createHash('sha256')
      .update(JSON.stringify(spec.template ?? {}))
      .digest('hex')
      .slice(0, 10);
    if (!state || state.templateHash !== hash) {
      // Recreate: every old pod stops before any new one starts.
      if (state) await Promise.allSettled(state.pods.map((p) => this.#stopPod(p)));
      state = { templateHash: hash, pods: [], conditionTimes: state?.conditionTimes ?? new Map() };
      this.#states.set(key, state);
      this.#rollouts.set(key, (this.#rollouts.get(key) ?? 0) + 1);
    }
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    if (spec.paused !== true) {
      while (state.pods.length > desired) {
        const pod = state.pods.pop();
        if (pod) await this.#stopPod(pod);
      }
      while (state.pods.length < desired) {
        const index = state.pods.length;
        const pod: Pod = {
          name: `${String(meta(deployment).name)}-${hash}-${randomBytes(3).toString('hex').slice(0, 5)}`,
          index,
          restartCount: 0,
          ready: false,
          stopped: false,
          handle: undefined,
          timers: [],
        };
        state.pods.push(pod);
        void this.#startPod(key, pod);
      }
    }
    this.#writeDeploymentStatus(key);
  }

  async #startPod(key: string, pod: Pod): Promise<void> {
    const deployment = this.#read(this.#deployments, key);
    if (!deployment || pod.stopped) return;
    const markReady = (): void => {
      if (pod.stopped) return;
      pod.ready = true;
      this.#writeDeploymentStatus(key);
    };
    try {
      const handle = await this.#opts.onPodStart?.(this.#api.toView(this.#deployments, deployment), {
        podName: pod.name,
        namespace: String(meta(deployment).namespace),
        index: pod.index,
        restartCount: pod.restartCount,
      });
      pod.handle = handle ?? undefined;
      if (pod.stopped) {
        await pod.handle?.stop();
        return;
      }
      if (pod.handle?.ready) pod.handle.ready.then(markReady, () => {});
      else pod.timers.push(setTimeout(markReady, this.#opts.readyDelayMs ?? 20));
      pod.handle?.exited?.then(
        () => this.#podExited(key, pod),
        () => this.#podExited(key, pod),
      );
    } catch {
      this.#podExited(key, pod);
    }
  }

  /** kubelet restartPolicy Always: the pod goes unready and its container restarts after a delay. */
  #podExited(key: string, pod: Pod): void {
    if (pod.stopped || this.#stopped) return;
    pod.ready = false;
    pod.handle = undefined;
    this.#writeDeploymentStatus(key);
    pod.timers.push(
      setTimeout(() => {
        pod.restartCount++;
        void this.#startPod(key, pod);
      }, this.#opts.restartDelayMs ?? 100),
    );
  }

  async #stopPod(pod: Pod): Promise<void> {
    if (pod.stopped) return;
    pod.stopped = true;
    pod.ready = false;
    for (const t of pod.timers) clearTimeout(t);
    await pod.handle?.stop();
  }

  #writeDeploymentStatus(key: string): void {
    const deployment = this.#read(this.#deployments, key);
    const state = this.#states.get(key);
    if (!deployment || !state || this.#stopped) return;
    const spec = isJsonObject(deployment.spec) ? deployment.spec : {};
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const pods = state.pods.filter((p) => !p.stopped);
    const ready = pods.filter((p) => p.ready).length;
    const rsName = `${String(meta(deployment).name)}-${state.templateHash}`;
    const status: JsonObject = { observedGeneration: Number(meta(deployment).generation ?? 1) };
    // Zero counts are omitted, as the apps/v1 types mark them omitempty.
    if (pods.length > 0) status.replicas = pods.length;
    if (pods.length > 0) status.updatedReplicas = pods.length;
    if (ready > 0) status.readyReplicas = ready;
    if (ready > 0) status.availableReplicas = ready;
    if (pods.length - ready > 0) status.unavailableReplicas = pods.length - ready;
    const available = ready >= desired;
    const progressed = available && pods.length === desired;
    status.conditions = [
      this.#condition(
        state,
        'Available',
        available ? 'True' : 'False',
        available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
      ),
      this.#condition(
        state,
        'Progressing',
        'True',
        progressed ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        progressed
          ? `ReplicaSet "${rsName}" has successfully progressed.`
          : `ReplicaSet "${rsName}" is progressing.`,
      ),
    ];
    const m = meta(deployment);
    this.#api.writeStatus(this.#deployments, m.namespace as string, String(m.name), status, MANAGER);
  }

  #condition(
    state: DeploymentState,
    type: string,
    status: string,
    reason: string,
    message: string,
  ): JsonObject {
    const previous = state.conditionTimes.get(type);
    const transition = previous && previous.status === status ? previous.time : nowTimestamp();
    const update =
      previous && previous.reason === reason && previous.status === status ? previous.time : transition;
    state.conditionTimes.set(type, { status, reason, time: transition });
    return { type, status, lastUpdateTime: update, lastTransitionTime: transition, reason, message };
  }

  // ---- Jobs --------------------------------------------------------------------------------------------

  async #reconcileJob(key: string): Promise<void> {
    const job = this.#read(this.#jobs, key);
    if (!job || meta(job).deletionTimestamp) return;
    const uid = String(meta(job).uid);
    const spec = isJsonObject(job.spec) ? job.spec : {};
    const current = isJsonObject(job.status) ? job.status : {};
    if (this.#jobsStarted.has(uid) || spec.suspend === true || Array.isArray(current.conditions)) return;
    this.#jobsStarted.add(uid);
    const backoffLimit = typeof spec.backoffLimit === 'number' ? spec.backoffLimit : 6;
    const startTime = nowTimestamp();
    let failed = 0;
    for (;;) {
      const status: JsonObject = {
        startTime,
        active: 1,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
      };
      if (failed > 0) status.failed = failed;
      if (!this.#writeJobStatus(key, status)) return;
      const latest = this.#read(this.#jobs, key);
      if (!latest) return;
      let exitCode: number;
      try {
        exitCode = this.#opts.onJob ? await this.#opts.onJob(this.#api.toView(this.#jobs, latest)) : 0;
      } catch {
        exitCode = 1;
      }
      if (this.#stopped) return;
      const finished = nowTimestamp();
      if (exitCode === 0) {
        const done: JsonObject = {
          startTime,
          completionTime: finished,
          succeeded: 1,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [
            jobCondition(
              'SuccessCriteriaMet',
              'CompletionsReached',
              'Reached expected number of succeeded pods',
              finished,
            ),
            jobCondition(
              'Complete',
              'CompletionsReached',
              'Reached expected number of succeeded pods',
              finished,
            ),
          ],
        };
        if (failed > 0) done.failed = failed;
        this.#writeJobStatus(key, done);
        return;
      }
      failed++;
      if (failed > backoffLimit) {
        this.#writeJobStatus(key, {
          startTime,
          failed,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: [
            jobCondition(
              'FailureTarget',
              'BackoffLimitExceeded',
              'Job has reached the specified backoff limit',
              finished,
            ),
            jobCondition(
              'Failed',
              'BackoffLimitExceeded',
              'Job has reached the specified backoff limit',
              finished,
            ),
          ],
        });
        return;
      }
    }
  }

  #writeJobStatus(key: string, status: JsonObject): boolean {
    const job = this.#read(this.#jobs, key);
    if (!job || this.#stopped) return false;
    this.#api.writeStatus(this.#jobs, meta(job).namespace as string, String(meta(job).name), status, MANAGER);
    return true;
  }

  // ---- PersistentVolumeClaims --------------------------------------------------------------------------

  #bindClaim(key: string): void {
    const claim = this.#read(this.#pvcs, key);
    if (!claim || meta(claim).deletionTimestamp) return;
    const status = isJsonObject(claim.status) ? claim.status : {};
    if (status.phase === 'Bound') return;
    const spec = isJsonObject(claim.spec) ? claim.spec : {};
    const requests =
      isJsonObject(spec.resources) && isJsonObject(spec.resources.requests) ? spec.resources.requests : {};
    const bound: JsonObject = { phase: 'Bound', accessModes: spec.accessModes ?? [] };
    if (requests.storage !== undefined) bound.capacity = { storage: requests.storage };
    this.#api.writeStatus(
      this.#pvcs,
      meta(claim).namespace as string,
      String(meta(claim).name),
      bound,
      'kube-controller-manager',
    );
  }
}

function jobCondition(type: string, reason: string, message: string, time: string): JsonObject {
  return { type, status: 'True', lastProbeTime: time, lastTransitionTime: time, reason, message };
}
