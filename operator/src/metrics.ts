// The operator's metrics (names are a contract, DESIGN §8) on their own prom-client Registry, and the one
// HTTP port serving /metrics, /healthz and /readyz.
import { createServer, type Server } from 'node:http';
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

export interface OperatorHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOperatorHttpServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  health: HealthReport;
}): Promise<OperatorHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
      );
    } else if (path === '/healthz') {
      const ok = opts.health.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
    } else if (path === '/readyz') {
      const { ready, reason } = opts.health.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${reason}\n`);
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
