// Test harness for the real `devo-collector run` child process: the Docker layout under a home folder, a
// config aimed at the Graph simulator and a receiver, and the child's exit code and logs. Every JSON log line
// the child writes is parsed with duplicate-key detection, so a repeated key fails the test that ran it.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestPki } from '../../support/tls-certs.ts';
import { parseLogLines } from '../../support/log-lines.ts';
import { writeRuntimeHome } from '../../support/runtime-run.ts';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_TENANT_ID } from '../../simulators/graph/server.ts';

const root = resolve(import.meta.dirname, '../../..');

/** CLI tests that write a config of their own (not a Graph one) use the home writer directly. */
export { writeHome } from '../../support/runtime-run.ts';

export interface GraphCliOptions {
  name: string;
  devoPort: number;
  simUrl: string;
  input?: string;
  services: Record<string, Record<string, unknown>>;
  globals?: Record<string, unknown>;
  output?: Record<string, unknown>;
  inputSettings?: Record<string, unknown>;
}

/** Writes the Docker layout under `home`: one Devo output on `devoPort`, one Graph input against `simUrl`. */
export async function writeGraphCliHome(home: string, pki: TestPki, o: GraphCliOptions): Promise<void> {
  await writeRuntimeHome({
    home,
    pki,
    receiverPort: o.devoPort,
    name: o.name,
    globals: { id: 'cli', shutdown_timeout_seconds: 15, ...o.globals },
    output: o.output,
    inputs: {
      [o.input ?? 'microsoft_graph_security']: {
        id: 'sec',
        environment: o.name,
        credentials: {
          tenant_id: SIM_TENANT_ID,
          client_id: SIM_CLIENT_ID,
          client_secret_env: 'GRAPH_SECRET',
        },
        override_base_url: o.simUrl,
        override_login_url: `${o.simUrl}/`,
        ...o.inputSettings,
        services: o.services,
      },
    },
  });
}

export interface CliRun {
  child: ChildProcess;
  /** The exit code (null when killed by a signal). */
  exit: Promise<number | null>;
  /** stdout and stderr so far, interleaved. */
  logs(): string;
  /** Every JSON log line so far; throws on a line that repeats a key. */
  records(): Record<string, unknown>[];
}

export function runCli(home: string, env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['collector-runtime/src/cli/main.ts', 'run'], {
    cwd: root,
    env: {
      ...process.env,
      CONFIG_FILE: 'config.yaml',
      DEVO_COLLECTOR_HOME: home,
      GRAPH_SECRET: SIM_CLIENT_SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exit, logs: () => out + err, records: () => parseLogLines(out) };
}
