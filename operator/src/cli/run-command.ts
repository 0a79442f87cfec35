// `devo-collector-operator run`: parse flags, build the logger, metrics registry and KubeConfig once, serve
// /metrics /healthz /readyz, optionally win the leader Lease, run the Collector controller until SIGTERM or
// SIGINT, then stop it within the shutdown bound and hand the Lease back.
import type { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { createOperatorLogger } from './operator-logger.ts';
import { Registry } from 'prom-client';
import {
  CollectorController,
  DEFAULT_RESYNC_MS,
  DEFAULT_SHUTDOWN_MS,
} from '../controller/collector-controller.ts';
import { LeaderElector } from '../controller/leader-election.ts';
import { OperatorError } from '../errors.ts';
import { FIELD_MANAGER } from '../k8s/apply.ts';
import { createKubeClients, loadKubeConfig } from '../k8s/client.ts';
import { createOperatorMetrics, startOperatorHttpServer } from '../metrics.ts';
import { desiredState } from '../reconcile/desired-state.ts';
// One default for both commands, so `render` shows what `run` would deploy.
import { DEFAULT_RUNTIME_IMAGE } from './render-command.ts';
export const LEASE_NAME = 'devo-collector-operator';

export const RUN_HELP = `Usage: devo-collector-operator run [options]

Watches Collector and Service resources and keeps each Collector's Deployment, config, state store and
status in line with them.

Options:
  --kubeconfig PATH                   kubeconfig file (default: in-cluster, else $KUBECONFIG or ~/.kube/config)
  --namespaces a,b                    namespaces to watch (default: all namespaces)
  --metrics-port N                    port for /metrics, /healthz and /readyz (default 8080; 0 picks one)
  --metrics-host HOST                 address to listen on (default 0.0.0.0)
  --leader-elect                      run only while holding the Lease ${LEASE_NAME}
  --leader-election-namespace NS      namespace of the Lease (default: $POD_NAMESPACE or the pod's namespace)
  --runtime-image IMG                 collector runtime image for Collectors without spec.image
                                      (default: $DEVO_RUNTIME_IMAGE or ${DEFAULT_RUNTIME_IMAGE})
  --workers N                         concurrent reconciles (default 2)
  --resync-period-seconds N           re-check every Collector this often (default ${DEFAULT_RESYNC_MS / 1000})
  --log-level LEVEL                   pino level (default info; $LOG_LEVEL)
  --help                              show this help

SIGTERM or SIGINT: stops watching, lets running reconciles finish (up to ${DEFAULT_SHUTDOWN_MS / 1000} s), releases the Lease.`;

export interface RunOptions {
  kubeconfig?: string;
  namespaces: string[];
  metricsPort: number;
  metricsHost: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  runtimeImage: string;
  workers: number;
  resyncPeriodMs: number;
  logLevel: string;
}

export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv): RunOptions | { help: true } {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespaces: { type: 'string' },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string' },
      'leader-elect': { type: 'boolean' },
      'leader-election-namespace': { type: 'string' },
      'runtime-image': { type: 'string' },
      workers: { type: 'string' },
      'resync-period-seconds': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return { help: true };
  const int = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min)
      throw new OperatorError('OP_ERR_USAGE', `--${name} must be an integer >= ${min}, got "${raw}"`, {
        permanent: true,
      });
    return n;
  };
  const port = int('metrics-port', values['metrics-port'], 8080, 0);
  if (port > 65535)
    throw new OperatorError('OP_ERR_USAGE', `--metrics-port must be at most 65535`, { permanent: true });
  return {
    kubeconfig: values.kubeconfig,
    namespaces: (values.namespaces ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    metricsPort: port,
    metricsHost: values['metrics-host'] ?? '0.0.0.0',
    leaderElect: values['leader-elect'] ?? false,
    leaderElectionNamespace:
      values['leader-election-namespace'] ?? env.POD_NAMESPACE ?? podNamespace() ?? 'default',
    runtimeImage: values['runtime-image'] ?? env.DEVO_RUNTIME_IMAGE ?? DEFAULT_RUNTIME_IMAGE,
    workers: int('workers', values.workers, 2, 1),
    resyncPeriodMs:
      int('resync-period-seconds', values['resync-period-seconds'], DEFAULT_RESYNC_MS / 1000, 1) * 1000,
    logLevel: values['log-level'] ?? env.LOG_LEVEL ?? 'info',
  };
}

function podNamespace(): string | undefined {
  try {
    return (
      readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined
    );
  } catch {
    return undefined;
  }
}

export interface RunningOperator {
  readonly port: number;
  /** Resolves with the exit code once the operator has stopped (after stop() or a lost Lease). */
  readonly done: Promise<number>;
  stop(reason: string): Promise<number>;
}

/** Starts everything `run` runs; the caller decides when to stop. */
export async function startOperator(
  opts: RunOptions,
  deps: { log: Logger; env: NodeJS.ProcessEnv; kc?: KubeConfig },
): Promise<RunningOperator> {
  const { log } = deps;
  const kc = deps.kc ?? loadKubeConfig({ kubeconfigPath: opts.kubeconfig, env: deps.env });
  const clients = createKubeClients(kc);
  const metrics = createOperatorMetrics(new Registry());
  const identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
  const controller = new CollectorController({
    clients,
    log,
    metrics,
    settings: { runtimeImage: opts.runtimeImage, fieldManager: FIELD_MANAGER },
    desiredState,
    namespaces: opts.namespaces,
    workers: opts.workers,
    resyncPeriodMs: opts.resyncPeriodMs,
    instance: identity,
  });
  const elector = opts.leaderElect
    ? new LeaderElector({
        coordination: clients.coordination,
        namespace: opts.leaderElectionNamespace,
        name: LEASE_NAME,
        identity,
        log,
      })
    : undefined;
  const server = await startOperatorHttpServer({
    host: opts.metricsHost,
    port: opts.metricsPort,
    registry: metrics.registry,
    health: {
      healthy: () => true,
      ready: () => {
        if (controller.ready) return { ready: true, reason: 'ok' };
        if (elector && !elector.isLeader)
          return { ready: true, reason: 'standby: waiting for the leader Lease' };
        return { ready: false, reason: 'informer caches are not synced yet' };
      },
    },
  });
  log.info({ port: server.port, identity }, 'Started operator HTTP server');

  const stopping = new AbortController();
  let exitCode = 0;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopPromise: Promise<number> | undefined;
  const stop = (reason: string): Promise<number> => {
    stopPromise ??= (async () => {
      log.info({ reason }, 'Stopping operator');
      stopping.abort();
      const drained = await controller.stop(DEFAULT_SHUTDOWN_MS);
      if (!drained) exitCode ||= 1;
      await elector?.release();
      await server.close();
      log.info({ exitCode }, 'Stopped operator');
      resolveDone(exitCode);
      return exitCode;
    })();
    return stopPromise;
  };

  const startController = async () => {
    if (elector) {
      await elector.acquire(stopping.signal);
      elector.keepRenewing((err) => {
        log.error({ err }, 'Stopping after losing the leader Lease');
        exitCode = 1;
        void stop('lost the leader Lease');
      });
    }
    if (!stopping.signal.aborted) await controller.start();
  };
  startController().catch((err: unknown) => {
    if (stopping.signal.aborted) return;
    log.error({ err }, 'Failed to start Collector controller');
    exitCode = 1;
    void stop('start failed');
  });
  return { port: server.port, done, stop };
}

export async function runRun(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  let opts: RunOptions | { help: true };
  try {
    opts = parseRunArgs(argv, io.env);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${RUN_HELP}\n`);
    return 2;
  }
  if ('help' in opts) {
    io.stdout.write(`${RUN_HELP}\n`);
    return 0;
  }
  const log = createOperatorLogger({ level: opts.logLevel });
  let operator: RunningOperator;
  try {
    operator = await startOperator(opts, { log, env: io.env });
  } catch (err) {
    log.fatal({ err, code: (err as { code?: string }).code }, 'Failed to start operator');
    return 1;
  }
  const onSignal = (signal: NodeJS.Signals) => void operator.stop(`received ${signal}`);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const code = await operator.done;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return code;
}
