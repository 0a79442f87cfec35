// Builds the seeds' Docker layout (certs/, config/, state/) in a temp dir with a config.yaml in it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { testClientPem } from '../../support/tls-certs.ts';

/** Appears as the client secret in every form (inline, file, env); must never show in a message. */
export const SECRET = 'Zq8~sEcReT.vAlUe-4242';
/** 2025-01-01T00:00:00Z: tests are independent of the real clock. */
export const NOW = Date.parse('2025-01-01T00:00:00Z');

export type Config = Record<string, any>;

/** A valid config in the layout of the Graph collector 2.x product document, with one output and both Graph inputs. */
export function goodConfig(): Config {
  return {
    globals: {
      debug: false,
      id: 'not_used',
      name: 'graph_collector',
      persistence: { type: 'filesystem', config: { directory_name: 'state' } },
    },
    outputs: {
      devo_1: {
        type: 'devo_platform',
        config: {
          address: 'collector-us.devo.io',
          port: 443,
          type: 'SSL',
          chain: 'chain.crt',
          cert: 'devo.crt',
          key: 'devo.key',
        },
      },
    },
    inputs: {
      microsoft_graph_audit: {
        id: 10001,
        enabled: true,
        credentials: { tenant_id: 'tenant-1', client_id: 'client-1', client_secret: SECRET },
        services: {
          directory_audits: { start_time_in_utc: '2024-06-01T00:00:00Z' },
          signIns: null,
        },
      },
      microsoft_graph_security: {
        id: 10002,
        credentials: { tenant_id: 'tenant-1', client_id: 'client-1', client_secret: SECRET },
        services: { alerts_v2: {}, secure_score_control_profiles: { request_period_in_seconds: 3600 } },
      },
    },
  };
}

export interface Layout {
  dir: string;
  file: string;
}

const made: string[] = [];

/** Writes `content` (a config object, YAML text or raw bytes) as <dir>/config/config.yaml. */
export function writeLayout(
  content: Config | string | Uint8Array,
  opts: { certs?: string[]; files?: Record<string, string>; name?: string } = {},
): Layout {
  const dir = mkdtempSync(join(tmpdir(), 'devo-config-'));
  made.push(dir);
  for (const sub of ['certs', 'config', 'state']) mkdirSync(join(dir, sub));
  // The default three are real (validate checks that they fit together); others are placeholders.
  const pem = testClientPem();
  const real: Record<string, string> = { 'chain.crt': pem.chain, 'devo.crt': pem.cert, 'devo.key': pem.key };
  for (const cert of opts.certs ?? ['chain.crt', 'devo.crt', 'devo.key'])
    writeFileSync(join(dir, 'certs', cert), real[cert] ?? 'PEM\n');
  for (const [rel, text] of Object.entries(opts.files ?? {})) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  const file = join(dir, 'config', opts.name ?? 'config.yaml');
  const bytes = typeof content === 'string' || content instanceof Uint8Array ? content : stringify(content);
  writeFileSync(file, bytes);
  return { dir, file };
}

export function removeLayouts(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
