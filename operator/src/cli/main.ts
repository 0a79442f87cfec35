#!/usr/bin/env node
// The devo-collector-operator command: the only place that reads argv and sets the exit code.
import { RENDER_HELP, runRender } from './render-command.ts';
import { RUN_HELP, runRun } from './run-command.ts';

const HELP = `Usage: devo-collector-operator <command> [options]

Commands:
  run       watch Collector and Service resources and reconcile them (the operator)
  render    print the objects the operator would apply for Collector/Service YAML files

Run "devo-collector-operator <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  switch (command) {
    case 'run': {
      const code = await runRun(rest, io);
      // Stray keep-alive sockets or timers must not keep a stopped operator alive.
      process.exit(code);
    }
    case 'render':
      return runRender(rest, io);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      (command === undefined ? process.stderr : process.stdout).write(
        `${HELP}\n\n${RUN_HELP}\n\n${RENDER_HELP}\n`,
      );
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`devo-collector-operator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
