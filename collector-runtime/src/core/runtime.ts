// Wires a validated RuntimeConfig into running parts: outputs, state store, one ServiceRunner per
// enabled input × service, the metrics/health server. Owns start and the bounded graceful stop.
import { hostname as osHostname } from 'node:os';
import type { RuntimeConfig } from '../config/runtime-config.ts';
import type { Logger } from '../logging/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { createCollectorMetrics, type CollectorMetrics } from '../metrics/catalog.ts';
import { serviceTelemetry } from '../metrics/service-telemetry.ts';
import { startMetricsServer, type MetricsServer, type ReadinessReport } from '../metrics/server.ts';
import { inputRegistry } from '../inputs/registry.ts';
import { createPipeline } from '../output/pipeline.ts';
import { ServiceRunner } from './service-runner.ts';
import { createHttpShared, httpClientFactory } from './http/client.ts';
import { createSink } from '../output/create-sink.ts';
import { createStateStore } from '../state/create-store.ts';
import type { Sink } from '../output/sink.ts';
import type { StateStore } from '../state/store.ts';
import type { Dispatcher } from 'undici';
import { startStatusReporter } from './status-reporter.ts';
import { podNamespace, runtimeKubeConfig } from './kube-config.ts';

export interface RuntimeDeps {
  log: Logger;
  clock?: Clock;
  metrics?: CollectorMetrics;
  /** Overrides for tests: a state store and an HTTP dispatcher. */
  store?: StateStore;
  dispatcher?: Dispatcher;
  env?: NodeJS.ProcessEnv;
}

export interface Runtime {
  readonly metrics: CollectorMetrics;
  readonly metricsPort: number | undefined;
  readonly runners: readonly ServiceRunner[];
  readonly sinks: readonly Sink[];
  readiness(): ReadinessReport;
  /** Resolves when stop() has finished. */
  readonly done: Promise<void>;
  stop(reason?: string): Promise<void>;
}

export async function startRuntime(config: RuntimeConfig, deps: RuntimeDeps): Promise<Runtime> {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? createCollectorMetrics();
  const collector = config.globals.name;
  const env = deps.env ?? process.env;
  const host =
    (config.globals.hostname ?? env.POD_NAME ?? env.HOSTNAME ?? osHostname()).replace(/\s+/g, '_') ||
    'devo-collector';

  const sinks = Object.entries(config.outputs).map(([name, out]) =>
    createSink(name, out, {
      collector,
      log: log.child({ output: name }),
      metrics,
      clock,
      certsDir: config.paths.certs,
    }),
  );
  const store = deps.store ?? (await createStateStore(config, { log, env }));
  const pipeline = createPipeline(sinks, { hostname: host, now: () => clock.now() });
  const httpShared = createHttpShared(clock, deps.dispatcher);

  const runners: ServiceRunner[] = [];
  for (const input of config.inputs) {
    const definition = inputRegistry.get(input.name)!;
    for (const service of input.services) {
      const labels = { collector, input: input.name, service: service.name };
      const telemetry = serviceTelemetry(metrics, labels);
      const slog = log.child({ input: input.name, inputId: input.config.id, service: service.name });
      runners.push(
        new ServiceRunner({
          definition,
          input,
          service,
          store,
          pipeline,
          telemetry,
          http: httpClientFactory(httpShared, telemetry, slog),
          log: slog,
          clock,
        }),
      );
    }
  }

  await Promise.all(sinks.map((s) => s.start()));
  const readiness = (): ReadinessReport => {
    const services = runners.map((r) => ({ ...r.health }));
    const outputs = sinks.map((s) => ({ name: s.name, ...s.status() }));
    const ready = services.every((s) => s.phase === 'running' && s.lastPullOk !== false);
    return { ready, services, outputs };
  };
  let metricsServer: MetricsServer | undefined;
  if (config.globals.metrics.port >= 0) {
    metricsServer = await startMetricsServer({
      host: config.globals.metrics.host,
      port: config.globals.metrics.port,
      registry: metrics.registry,
      readyz: () => {
        const report = readiness();
        return { ok: report.ready, body: report };
      },
    });
  }

  const ks = config.globals.kubernetes_status;
  const reporter = ks
    ? startStatusReporter({
        kubeConfig: runtimeKubeConfig(env),
        collector: ks.collector,
        namespace: ks.namespace ?? podNamespace(env) ?? 'default',
        lastSuccessAt: () => Math.max(0, ...runners.map((r) => r.health.lastSuccessAt ?? 0)) || undefined,
        log,
        clock,
      })
    : undefined;

  const abort = new AbortController();
  const running = runners.map((r) =>
    r.run(abort.signal).catch((err: unknown) => {
      log.error(
        { err: (err as Error).message, service: r.health.service },
        'Stopped a service after an unrecoverable error',
      );
    }),
  );
  log.info(
    {
      services: runners.map((r) => `${r.health.input}/${r.health.service}`),
      outputs: sinks.map((s) => s.name),
      metricsPort: metricsServer?.port,
    },
    'Started the collector',
  );

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | undefined;

  async function stop(reason = 'stop requested'): Promise<void> {
    stopping ??= (async () => {
      const timeoutMs = config.globals.shutdown_timeout_seconds * 1000;
      const deadline = Date.now() + timeoutMs;
      log.info({ reason }, 'Stopping the collector');
      abort.abort(new Error(reason));
      // Pullers finish the commit they are in (events written, then the checkpoint), then return.
      await Promise.race([
        Promise.all(running),
        new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
      ]);
      await Promise.all(sinks.map((s) => s.stop(Math.max(1000, deadline - Date.now()))));
      reporter?.stop();
      await reporter?.report();
      await metricsServer?.close();
      await httpShared.dispatcher.close().catch(() => undefined);
      log.info('Stopped the collector');
      resolveDone();
    })();
    return stopping;
  }

  return {
    metrics,
    get metricsPort() {
      return metricsServer?.port;
    },
    runners,
    sinks,
    readiness,
    done,
    stop,
  };
}
