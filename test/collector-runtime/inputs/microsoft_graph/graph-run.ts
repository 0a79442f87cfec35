// Test harness: the real runtime (config file → loadConfig → startRuntime) against the Graph simulator
// and a real rsyslog mTLS receiver. Each run tags its events with its own @devo_environment so one
// receiver can serve every test in a file.
import { mkdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { loadConfig } from '../../../../collector-runtime/src/config/load.ts';
import { startRuntime, type Runtime } from '../../../../collector-runtime/src/core/runtime.ts';
import { createLogger } from '../../../../collector-runtime/src/logging/logger.ts';
import type { Clock } from '../../../../collector-runtime/src/core/clock.ts';
import type { TestPki } from '../../../support/tls-certs.ts';
import {
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_ID,
  type GraphSimulator,
} from '../../../simulators/graph/server.ts';
import { parseLogLine } from '../../../support/log-lines.ts';

export interface GraphRunOptions {
  home: string;
  pki: TestPki;
  receiverPort: number;
  sim: GraphSimulator;
  environment: string;
  clock: Clock;
  audit?: Record<string, Record<string, unknown>>;
  security?: Record<string, Record<string, unknown>>;
}

export interface GraphRun {
  runtime: Runtime;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts the runtime on the Graph inputs named in `o` (audit, security), pointed at the simulator. */
export async function startGraphRun(o: GraphRunOptions): Promise<GraphRun> {
  const input = (services: Record<string, Record<string, unknown>>, id: string) => ({
    id,
    environment: o.environment,
    credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET },
    override_base_url: o.sim.url,
    override_login_url: `${o.sim.url}/`,
    services,
  });
  return startRuntimeRun({
    ...o,
    name: 'graph-e2e',
    inputs: {
      ...(o.audit ? { microsoft_graph_audit: input(o.audit, 'aud') } : {}),
      ...(o.security ? { microsoft_graph_security: input(o.security, 'sec') } : {}),
    },
  });
}

export interface RuntimeRunOptions {
  home: string;
  pki: TestPki;
  receiverPort: number;
  clock: Clock;
  name: string;
  /** The config.yaml `inputs:` mapping. */
  inputs: Record<string, unknown>;
}

/**
 * Writes the Docker layout (certs/, config/, state/) under `home` with a config.yaml of `inputs` and a
 * Devo output to the receiver, and starts the real runtime on it (config file → loadConfig → runtime).
 */
export async function startRuntimeRun(o: RuntimeRunOptions): Promise<GraphRun> {
  await mkdir(join(o.home, 'certs'), { recursive: true });
  await mkdir(join(o.home, 'config'), { recursive: true });
  await copyFile(o.pki.caCert, join(o.home, 'certs', 'chain.crt'));
  await copyFile(o.pki.clientCert, join(o.home, 'certs', 'client.crt'));
  await copyFile(o.pki.clientKey, join(o.home, 'certs', 'client.key'));
  const config = {
    globals: {
      id: 'test',
      name: o.name,
      persistence: { type: 'filesystem', config: { directory_name: 'state' } },
      metrics: { host: '127.0.0.1', port: 0 },
      shutdown_timeout_seconds: 20,
    },
    outputs: {
      devo_1: {
        type: 'devo_platform',
        config: {
          address: 'localhost',
          port: o.receiverPort,
          chain: 'chain.crt',
          cert: 'client.crt',
          key: 'client.key',
        },
      },
    },
    inputs: o.inputs,
  };
  const file = join(o.home, 'config', 'config.yaml');
  await writeFile(file, stringify(config));
  const { config: loaded } = await loadConfig({ configPath: file, env: {} });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(parseLogLine(line));
      cb();
    },
  });
  const log = createLogger({ destination, level: 'debug' });
  const runtime = await startRuntime(loaded, { log, clock: o.clock, env: {} });
  return { runtime, logs, stop: () => runtime.stop('test finished') };
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

export async function waitFor(
  cond: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
