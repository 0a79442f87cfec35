// Test harness for the real `devo-collector run` child process: the Docker layout under a home folder, a
// config aimed at the Graph simulator and a receiver, and the child's exit code and logs. Every JSON log line
// the child writes is parsed with duplicate-key detection, so a repeated key fails the test that ran it.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { TestPki } from '../../support/tls-certs.ts';
import { parseLogLines } from '../../support/log-lines.ts';
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_TENANT_ID } from '../../simulators/graph/server.ts';

const root = resolve(import.meta.dirname, '../../..');

/** Writes certs/ (the test PKI's CA and client pair) and config/config.yaml under `home`. */
export async function writeHome(home: string, pki: TestPki, config: object): Promise<void> {
  for (const d of ['certs', 'config']) await mkdir(join(home, d), { recursive: true });
  await copyFile(pki.caCert, join(home, 'certs', 'chain.crt'));
  await copyFile(pki.clientCert, join(home, 'certs', 'domain.crt'));
  await copyFile(pki.clientKey, join(home, 'certs', 'domain.key'));
  await writeFile(join(home, 'config', 'config.yaml'), stringify(config));
}

/** A config with one Devo output on `devoPort` and one Graph input against `simUrl`. */
export function graphCliConfig(o: {
  name: string;
  devoPort: number;
  simUrl: string;
  input?: string;
  services: Record<string, Record<string, unknown>>;
  globals?: Record<string, unknown>;
  output?: Record<string, unknown>;
  inputSettings?: Record<string, unknown>;
}): object {
  return {
    globals: {
      id: 'cli',
      name: o.name,
      metrics: { host: '127.0.0.1', port: 0 },
      shutdown_timeout_seconds: 15,
      ...o.globals,
    },
    outputs: {
      devo_1: {
        type: 'devo_platform',
        config: {
          address: 'localhost',
          port: o.devoPort,
          chain: 'chain.crt',
          cert: 'domain.crt',
          key: 'domain.key',
          ...o.output,
        },
      },
    },
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
  };
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
