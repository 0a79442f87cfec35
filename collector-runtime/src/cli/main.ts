#!/usr/bin/env node
// The devo-collector command: the only place that reads argv and exits.
import './v8-memory-mode.ts';
import { runRun, RUN_HELP } from './run-command.ts';
import { runValidate } from './validate-command.ts';

const HELP = `Usage: devo-collector <command> [options]

Commands:
  run        pull the configured inputs and send events to Devo
  validate   check a config.yaml and print every problem (exit 0 valid, 1 invalid)

Run "devo-collector <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  switch (command) {
    case 'run':
      return runRun(rest, io);
    case 'validate':
      return runValidate(rest, io);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${HELP}\n\n${RUN_HELP}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit now: whatever a failed start or a timed-out stop left open must not keep the process alive.
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`devo-collector: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
