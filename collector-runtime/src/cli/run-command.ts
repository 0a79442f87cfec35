// `devo-collector run`: load and validate the config, start the runtime, stop gracefully on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { ConfigError, errorMessage } from '../core/errors.ts';
import { createLogger } from '../logging/logger.ts';
import { startRuntime } from '../core/runtime.ts';

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
SIGTERM or SIGINT: stops pulling, flushes the output queue, saves checkpoints, exits 0.`;

export async function runRun(
  argv: string[],
  io: { stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  } catch (err) {
    io.stderr.write(`${errorMessage(err)}\n\n${RUN_HELP}\n`);
    return 2;
  }
  if (args.values.help) {
    io.stderr.write(`${RUN_HELP}\n`);
    return 0;
  }
  let loaded;
  try {
    loaded = await loadConfig({ configPath: args.values.config, env: io.env });
  } catch (err) {
    io.stderr.write(
      `${err instanceof ConfigError ? err.message : `cannot load the configuration: ${errorMessage(err)}`}\n`,
    );
    return 1;
  }
  const { config, warnings } = loaded;
  const log = createLogger({ debug: config.globals.debug, level: io.env.LOG_LEVEL });
  for (const w of warnings) log.warn({ path: w.path }, `Ignored a setting: ${w.path}: ${w.message}`);

  let runtime;
  try {
    runtime = await startRuntime(config, { log, env: io.env });
  } catch (err) {
    log.fatal(
      { err: errorMessage(err), code: (err as { code?: string }).code },
      'Failed to start the collector',
    );
    log.flush();
    return 1;
  }
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal: sig }, 'Exiting at once on a second signal');
      log.flush();
      process.exit(130);
    }
    void runtime.stop(`received ${sig}`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await runtime.done;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  return 0;
}
