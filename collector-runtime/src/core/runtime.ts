// Wires a validated RuntimeConfig into running parts: outputs, state store, one ServiceRunner per
// enabled input × service, the metrics/health server. Owns start and the bounded graceful stop.
import { hostname as osHostname } from 'node:os';
import type { RuntimeConfig } from '../config/runtime-config.ts';
import type { Logger } from '../logging/logger.ts';
import { systemClock, type Clock } from './clock.ts';
import { CollectorError, errorMessage } from './errors.ts';
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
import type { HttpAgent } from './http/transport.ts';
import { startStatusReporter } from './status-reporter.ts';
import { podNamespace, runtimeKubeApi } from './kube-api.ts';

export interface RuntimeDeps {
  log: Logger;
  clock?: Clock;
  metrics?: CollectorMetrics;
  /** Overrides for tests: a state store and an HTTP connection pool. */
  store?: StateStore;
  dispatcher?: HttpAgent;
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

  const readiness = (): ReadinessReport => {
    const services = runners.map((r) => ({ ...r.health }));
    const outputs = sinks.map((s) => ({ name: s.name, ...s.status() }));
    const ready = services.every((s) => s.phase === 'running' && s.lastPullOk !== false);
    return { ready, services, outputs };
  };
  // Everything that can fail at start fails before anything runs, and a failure stops what did start:
  // the process must exit at once (CLI exit 1), not linger reconnecting to Devo.
  let metricsServer: MetricsServer | undefined;
  try {
    if (config.globals.metrics.port >= 0) {
      metricsServer = await startMetricsServer({
        host: config.globals.metrics.host,
        port: config.globals.metrics.port,
        registry: metrics.registry,
        readyz: () => {
          const report = readiness();
          return { ok: report.ready, body: report };
        },
      }).catch((err: unknown) => {
        const m = config.globals.metrics;
        throw new CollectorError(
          'CR_ERR_STARTUP',
          `cannot serve metrics on ${m.host}:${m.port}: ${errorMessage(err)}; free the port or set globals.metrics.port`,
          { cause: err },
        );
      });
    }
    await Promise.all(sinks.map((s) => s.start()));
  } catch (err) {
    await Promise.all(sinks.map((s) => s.stop(0)));
    await metricsServer?.close();
    await httpShared.dispatcher.destroy().catch(() => undefined);
    throw err;
  }

  const ks = config.globals.kubernetes_status;
  const reporter = ks
    ? startStatusReporter({
        api: runtimeKubeApi(env),
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
      log.error({ err, service: r.health.service }, 'Stopped a service after an unrecoverable error');
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
      // Every step is bounded by one deadline, a little inside shutdown_timeout_seconds so that logging the
      // end still fits: the kubelet's SIGKILL must never be what ends us.
      const timeoutMs = config.globals.shutdown_timeout_seconds * 1000;
      const deadline = Date.now() + timeoutMs - Math.min(2000, timeoutMs / 4);
      const left = () => Math.max(0, deadline - Date.now());
      const within = <T>(p: Promise<T>) =>
        Promise.race([p, new Promise<void>((r) => setTimeout(r, left()).unref())]);
      log.info({ reason }, 'Stopping the collector');
      abort.abort(new Error(reason));
      // Pullers finish the commit they are in (events written, then the checkpoint), then return.
      await within(Promise.all(running));
      await Promise.all(sinks.map((s) => s.stop(left())));
      reporter?.stop();
      await within(reporter?.report() ?? Promise.resolve());
      await metricsServer?.close();
      // Destroy, not close: a request a stuck puller still waits on must not hold the exit.
      await httpShared.dispatcher.destroy().catch(() => undefined);
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
