// Test harness: the real runtime (config file → loadConfig → startRuntime) writing to a real rsyslog
// mTLS receiver, in the Docker layout (certs/, config/, state/) under `home`. Each run tags its events
// with its own @devo_environment so one receiver can serve every test in a file.
import { parseLogLine } from './log-lines.ts';
import { mkdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { loadConfig } from '../../collector-runtime/src/config/load.ts';
import { startRuntime, type Runtime } from '../../collector-runtime/src/core/runtime.ts';
import { createLogger } from '../../collector-runtime/src/logging/logger.ts';
import type { Clock } from '../../collector-runtime/src/core/clock.ts';
import type { TestPki } from './tls-certs.ts';

export interface RuntimeHomeOptions {
  home: string;
  pki: TestPki;
  receiverPort: number;
  /** globals.name */
  name: string;
  inputs: Record<string, unknown>;
  /** Extra keys for outputs.devo_1.config (queue sizes and the like). */
  output?: Record<string, unknown>;
  /** Keys that replace the test defaults in `globals` (state backend, metrics port and the like). */
  globals?: Record<string, unknown>;
}

/**
 * Writes the Docker layout under `home`: certs/ (the test PKI's CA as chain.crt and its client pair as
 * domain.crt/domain.key, as Devo's download names them), config/config.yaml and state/. Returns the
 * config file's path.
 */
export async function writeHome(home: string, pki: TestPki, config: object): Promise<string> {
  for (const dir of ['certs', 'config', 'state']) await mkdir(join(home, dir), { recursive: true });
  await copyFile(pki.caCert, join(home, 'certs', 'chain.crt'));
  await copyFile(pki.clientCert, join(home, 'certs', 'domain.crt'));
  await copyFile(pki.clientKey, join(home, 'certs', 'domain.key'));
  const file = join(home, 'config', 'config.yaml');
  await writeFile(file, stringify(config));
  return file;
}

/** writeHome with a config whose one output is the receiver on `receiverPort`. */
export function writeRuntimeHome(o: RuntimeHomeOptions): Promise<string> {
  return writeHome(o.home, o.pki, {
    globals: {
      id: 'test',
      name: o.name,
      persistence: { type: 'filesystem', config: { directory_name: 'state' } },
      metrics: { host: '127.0.0.1', port: 0 },
      shutdown_timeout_seconds: 20,
      ...o.globals,
    },
    outputs: {
      devo_1: {
        type: 'devo_platform',
        config: {
          address: 'localhost',
          port: o.receiverPort,
          chain: 'chain.crt',
          cert: 'domain.crt',
          key: 'domain.key',
          ...o.output,
        },
      },
    },
    inputs: o.inputs,
  });
}

export interface RuntimeRunOptions extends RuntimeHomeOptions {
  clock?: Clock;
  /** The environment the config's `*_env` keys read. */
  env?: Record<string, string>;
}

export interface RuntimeRun {
  runtime: Runtime;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startRuntimeRun(o: RuntimeRunOptions): Promise<RuntimeRun> {
  const file = await writeRuntimeHome(o);
  const env = o.env ?? {};
  const { config: loaded } = await loadConfig({ configPath: file, env });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(parseLogLine(line));
      cb();
    },
  });
  const log = createLogger({ destination, level: 'debug' });
  const runtime = await startRuntime(loaded, { log, env, ...(o.clock ? { clock: o.clock } : {}) });
  return { runtime, logs, stop: () => runtime.stop('test finished') };
}

/** Sum of a counter over the series matching `labels`. */
export async function counter(
  run: RuntimeRun,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await run.runtime.metrics.registry.getSingleMetric(name)?.get();
  let sum = 0;
  for (const v of metric?.values ?? [])
    if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) sum += v.value;
  return sum;
}

export interface ReceivedEvent {
  tag: string;
  host: string;
  record: Record<string, unknown>;
}

/** Parses rsyslog's raw lines (`<14>TIME HOST TAG: JSON`) and keeps those of one environment. */
export function eventsOf(lines: string[], environment: string): ReceivedEvent[] {
  const out: ReceivedEvent[] = [];
  for (const line of lines) {
    const m = /^<14>\S+ (\S+) (\S+): (.*)$/.exec(line);
    if (!m) continue;
    const record = JSON.parse(m[3]!) as Record<string, unknown>;
    if (record['@devo_environment'] === environment) out.push({ host: m[1]!, tag: m[2]!, record });
  }
  return out;
}
