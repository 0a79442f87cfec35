// Test harness: the office365 input of the real runtime (config file → loadConfig → startRuntime)
// against the Office 365 simulator and a real rsyslog mTLS receiver, and the config the CLI tests use.
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
  type AuditRecord,
  type ContentType,
  type Office365Simulator,
} from '../../../simulators/office365/server.ts';

export const SERVICE_OF: Readonly<Record<ContentType, string>> = {
  'Audit.AzureActiveDirectory': 'azure_active_directory',
  'Audit.Exchange': 'exchange',
  'Audit.SharePoint': 'sharepoint',
  'Audit.General': 'general_audit',
  'DLP.All': 'dlp',
};

/** The product's tables: `cloud.office365.management.` + the record's workload in lower case. */
export function expectedTag(record: AuditRecord): string {
  return `cloud.office365.management.${record.Workload.toLowerCase()}`;
}

export interface Office365RunOptions {
  home: string;
  pki: TestPki;
  receiverPort: number;
  sim: Office365Simulator;
  environment: string;
  services: Record<string, Record<string, unknown>>;
  input?: Record<string, unknown>;
}

/** Writes the Docker layout (certs/, config/, state/) under `home` with a config for the office365 input. */
export async function writeOffice365Config(o: Office365RunOptions): Promise<string> {
  await mkdir(join(o.home, 'certs'), { recursive: true });
  await mkdir(join(o.home, 'config'), { recursive: true });
  await copyFile(o.pki.caCert, join(o.home, 'certs', 'chain.crt'));
  await copyFile(o.pki.clientCert, join(o.home, 'certs', 'client.crt'));
  await copyFile(o.pki.clientKey, join(o.home, 'certs', 'client.key'));
  const config = {
    globals: {
      id: 'test',
      name: 'office365-e2e',
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
    inputs: {
      office365: {
        id: 'o365',
        environment: o.environment,
        credentials: { tenant_id: SIM_TENANT_ID, client_id: SIM_CLIENT_ID, client_secret_env: 'O365_SECRET' },
        override_base_url: o.sim.url,
        override_login_url: o.sim.url,
        ...o.input,
        services: o.services,
      },
    },
  };
  const file = join(o.home, 'config', 'config.yaml');
  await writeFile(file, stringify(config));
  return file;
}

export interface Office365Run {
  runtime: Runtime;
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startOffice365Run(o: Office365RunOptions & { clock: Clock }): Promise<Office365Run> {
  const file = await writeOffice365Config(o);
  const env = { O365_SECRET: SIM_CLIENT_SECRET };
  const { config } = await loadConfig({ configPath: file, env });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const log = createLogger({ destination, level: 'info' });
  const runtime = await startRuntime(config, { log, clock: o.clock, env });
  return { runtime, logs, stop: () => runtime.stop('test finished') };
}

/** Sum of a counter over the series matching `labels`. */
export async function counter(
  run: Office365Run,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await run.runtime.metrics.registry.getSingleMetric(name)?.get();
  let sum = 0;
  for (const v of metric?.values ?? [])
    if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) sum += v.value;
  return sum;
}
