// The Collector controller: informers feed a keyed work queue, workers run reconcileCollector, a timer
// re-queues everything every resync period. start() returns once the caches are synced and workers run;
// stop() stops the informers and drains in-flight reconciles within a bound.
import type { Logger } from 'pino';
import type { KubeClients } from '../k8s/client.ts';
import type { OperatorMetrics } from '../metrics.ts';
import type { DesiredState, OperatorSettings, ReconcileInput } from '../reconcile/contract.ts';
import { ChildApplier } from './child-applier.ts';
import { ClusterCache } from './cluster-cache.ts';
import { reconcileCollector } from './collector-reconciler.ts';
import { createEventRecorder, type EventRecorder } from './event-recorder.ts';
import type { RateLimiterOptions } from './rate-limiter.ts';
import { StatusWriter } from './status-writer.ts';
import { WorkQueue } from './work-queue.ts';

export const DEFAULT_RESYNC_MS = 10 * 60 * 60 * 1000;
export const DEFAULT_SHUTDOWN_MS = 30_000;

export interface CollectorControllerOptions {
  clients: KubeClients;
  log: Logger;
  metrics: OperatorMetrics;
  settings: OperatorSettings;
  desiredState: (input: ReconcileInput) => DesiredState;
  /** Namespaces to watch; empty watches all of them. */
  namespaces?: readonly string[];
  workers?: number;
  resyncPeriodMs?: number;
  rateLimiter?: RateLimiterOptions;
  informerBackoff?: { initialMs: number; maxMs: number };
  /** Names this replica in Events (reportingInstance). */
  instance?: string;
  now?: () => number;
  events?: EventRecorder;
}

export class CollectorController {
  readonly #opts: CollectorControllerOptions;
  readonly #log: Logger;
  readonly #cache: ClusterCache;
  readonly #queue: WorkQueue;
  readonly #applier: ChildApplier;
  #resyncTimer: NodeJS.Timeout | undefined;
  #started = false;
  #stopping: Promise<boolean> | undefined;

  constructor(opts: CollectorControllerOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    const { clients, metrics } = opts;
    this.#cache = new ClusterCache({
      kc: clients.kc,
      rest: clients.rest,
      log: opts.log,
      namespaces: opts.namespaces ?? [],
      enqueue: (key) => this.enqueue(key),
      restartBackoff: opts.informerBackoff,
    });
    this.#applier = new ChildApplier({ rest: clients.rest, cache: this.#cache, log: opts.log });
    const events =
      opts.events ??
      createEventRecorder({
        rest: clients.rest,
        log: opts.log,
        instance: opts.instance ?? 'devo-collector-operator',
      });
    const deps = {
      rest: clients.rest,
      cache: this.#cache,
      applier: this.#applier,
      statusWriter: new StatusWriter({ rest: clients.rest, events, log: opts.log }),
      events,
      settings: opts.settings,
      desiredState: opts.desiredState,
      log: opts.log,
      metrics,
      now: opts.now ?? Date.now,
    };
    this.#queue = new WorkQueue((key) => reconcileCollector(deps, key), {
      ...opts.rateLimiter,
      workers: opts.workers ?? 2,
      onResult: (key, outcome, durationMs, err) => {
        metrics.reconcileTotal.inc({ result: outcome });
        metrics.reconcileDuration.observe(durationMs / 1000);
        this.#updateGauges();
        if (err)
          this.#log.error(
            {
              err,
              collector: key,
              retries: this.#queue.failures(key),
              terminal: outcome === 'terminal_error',
            },
            'Failed to reconcile Collector',
          );
      },
    });
  }

  /** Starts informers, waits for their first lists, then starts the workers and the resync timer. */
  async start(): Promise<void> {
    await this.#cache.start();
    this.#started = true;
    this.#queue.start();
    this.#updateGauges();
    const period = this.#opts.resyncPeriodMs ?? DEFAULT_RESYNC_MS;
    this.#resyncTimer = setInterval(() => this.resync(), period);
    this.#resyncTimer.unref();
    this.#log.info(
      {
        namespaces: this.#opts.namespaces?.length ? this.#opts.namespaces : 'all',
        collectors: this.#cache.collectorCount(),
      },
      'Started Collector controller',
    );
  }

  enqueue(key: string): void {
    this.#queue.add(key);
    this.#opts.metrics.workqueueDepth.set(this.#queue.depth);
  }

  /** Re-queues every Collector and forgets what was applied, so drift gets corrected. */
  resync(): void {
    this.#applier.clear();
    for (const key of this.#cache.collectorKeys()) this.enqueue(key);
  }

  get ready(): boolean {
    return this.#started && this.#cache.synced;
  }

  get queueDepth(): number {
    return this.#queue.depth;
  }

  /** Stops watching, then waits up to `timeoutMs` for reconciles in flight; false if they did not finish. */
  stop(timeoutMs = DEFAULT_SHUTDOWN_MS): Promise<boolean> {
    this.#stopping ??= (async () => {
      if (this.#resyncTimer) clearInterval(this.#resyncTimer);
      await this.#cache.stop();
      const drained = await this.#queue.shutdown(timeoutMs);
      if (drained) this.#log.info('Stopped Collector controller');
      else this.#log.warn({ timeoutMs }, 'Stopped Collector controller with reconciles still running');
      return drained;
    })();
    return this.#stopping;
  }

  #updateGauges(): void {
    this.#opts.metrics.managedCollectors.set(this.#cache.collectorCount());
    this.#opts.metrics.workqueueDepth.set(this.#queue.depth);
  }
}
