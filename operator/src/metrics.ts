// The operator's metrics (names are a contract, README "Metrics") on their own prom-client Registry, and the one
// HTTP port serving /metrics, /healthz and /readyz.
import { startMetricsServer, type MetricsServer } from '../../collector-runtime/src/metrics/server.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  /** result: success | error | requeue_after | terminal_error (controller-runtime's set). */
  reconcileTotal: Counter<'result'>;
  reconcileDuration: Histogram;
  managedCollectors: Gauge;
  workqueueDepth: Gauge;
  resetsTotal: Counter<'persistence'>;
}

export function createOperatorMetrics(registry: Registry = new Registry()): OperatorMetrics {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'devo_operator_reconcile_total',
      help: 'Collector reconciles by result',
      labelNames: ['result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'devo_operator_reconcile_duration_seconds',
      help: 'Time to reconcile one Collector',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    managedCollectors: new Gauge({
      name: 'devo_operator_managed_collectors',
      help: 'Collectors in the watched namespaces',
      registers,
    }),
    workqueueDepth: new Gauge({
      name: 'devo_operator_workqueue_depth',
      help: 'Collector keys waiting for a reconcile worker',
      registers,
    }),
    resetsTotal: new Counter({
      name: 'devo_operator_state_resets_total',
      help: 'Service state resets the operator carried out, by persistence type',
      labelNames: ['persistence'],
      registers,
    }),
  };
}

export interface HealthReport {
  /** Process alive and the event loop turning. */
  healthy: () => boolean;
  /** Caches synced and (with leader election) either leading or standing by cleanly. */
  ready: () => { ready: boolean; reason: string };
}

export type OperatorHttpServer = MetricsServer;

export async function startOperatorHttpServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  health: HealthReport;
}): Promise<OperatorHttpServer> {
  return startMetricsServer({
    host: opts.host,
    port: opts.port,
    registry: opts.registry,
    healthz: () => {
      const ok = opts.health.healthy();
      return { ok, body: ok ? 'ok' : 'unhealthy' };
    },
    readyz: () => {
      const { ready, reason } = opts.health.ready();
      return { ok: ready, body: reason };
    },
  });
}
