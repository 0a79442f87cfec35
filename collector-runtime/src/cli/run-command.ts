// `devo-collector run`: load and validate the config, start the runtime, stop gracefully on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { ConfigError, errorMessage } from '../core/errors.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { startRuntime } from '../core/runtime.ts';
import { startIdleGc } from './idle-gc.ts';

export const RUN_HELP = `Usage: devo-collector run [--config PATH]

Runs the collector: pulls every enabled input service and sends the events to the configured outputs.

Options:
  --config PATH   the config.yaml to run (default: $CONFIG_FILE under ./config/, the Docker layout)
  --help          show this help

Environment:
  CONFIG_FILE            config file name under <home>/config/ (Docker: /devo-collector/config)
  DEVO_COLLECTOR_HOME    the folder holding certs/, config/ and state/
  LOG_LEVEL              pino level (debug: true in globals also enables debug)

Serves /metrics, /healthz and /readyz on globals.metrics.port (default 9464).
SIGTERM or SIGINT: stops pulling, flushes the output queue, saves checkpoints, exits 0.

Exit codes:
  0    stopped on SIGTERM/SIGINT within globals.shutdown_timeout_seconds
  1    could not start: invalid config, certificates, metrics port taken, state store unreachable
  2    bad command-line usage
  3    the stop did not finish within globals.shutdown_timeout_seconds (checkpoints are still safe)
  130  a second SIGTERM/SIGINT during the stop`;

/** Exit codes of `run`, as RUN_HELP and the README list them. */
export const EXIT = { ok: 0, startFailed: 1, usage: 2, stopTimedOut: 3, secondSignal: 130 } as const;

export async function runRun(
  argv: string[],
  io: { stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  } catch (err) {
    io.stderr.write(`${errorMessage(err)}\n\n${RUN_HELP}\n`);
    return EXIT.usage;
  }
  if (args.values.help) {
    io.stderr.write(`${RUN_HELP}\n`);
    return EXIT.ok;
  }
  let loaded;
  try {
    loaded = await loadConfig({ configPath: args.values.config, env: io.env });
  } catch (err) {
    io.stderr.write(
      `${err instanceof ConfigError ? err.message : `cannot load the configuration: ${errorMessage(err)}`}\n`,
    );
    return EXIT.startFailed;
  }
  const { config, warnings } = loaded;
  const log = createLogger({ debug: config.globals.debug, level: io.env.LOG_LEVEL });
  for (const w of warnings) log.warn({ path: w.path }, `Ignored a setting: ${w.path}: ${w.message}`);

  let runtime;
  try {
    runtime = await startRuntime(config, { log, env: io.env });
  } catch (err) {
    log.fatal({ err }, `Failed to start the collector: ${errorMessage(err)}`);
    io.stderr.write(`devo-collector: cannot start: ${errorMessage(err)}\n`);
    await flushed(log);
    return EXIT.startFailed;
  }
  const stopIdleGc = startIdleGc();
  let signals = 0;
  let stopTimedOut!: () => void;
  const timedOut = new Promise<number>((resolve) => (stopTimedOut = () => resolve(EXIT.stopTimedOut)));
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal: sig }, 'Exiting at once on a second signal');
      log.flush();
      process.exit(EXIT.secondSignal);
    }
    // The runtime bounds each stop step; this is the backstop in case one of them does not keep its bound.
    const ms = config.globals.shutdown_timeout_seconds * 1000;
    setTimeout(stopTimedOut, ms).unref();
    void runtime.stop(`received ${sig}`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const code = await Promise.race([runtime.done.then(() => EXIT.ok), timedOut]);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  stopIdleGc();
  if (code === EXIT.stopTimedOut)
    log.error(
      { shutdownTimeoutSeconds: config.globals.shutdown_timeout_seconds },
      'The stop did not finish in time; exiting anyway (checkpoints only cover what was written)',
    );
  await flushed(log);
  return code;
}

function flushed(log: Logger): Promise<void> {
  return new Promise<void>((resolve) => log.flush(() => resolve()));
}
