// The real CLI (`devo-collector run`) as a child process, the way a container runs it, with its output
// captured for assertions and failure messages.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export function runCollectorCli(home: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['collector-runtime/src/cli/main.ts', 'run'], {
    cwd: root,
    env: { ...process.env, CONFIG_FILE: 'config.yaml', DEVO_COLLECTOR_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (logs += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (logs += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, logs: () => logs };
}
