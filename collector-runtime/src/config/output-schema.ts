// `outputs:` of config.yaml: named outputs, each `{ type, config }`, the config shape chosen by type
// (seeds: devo_platform; the SDK's relay output is `syslog`; `console` prints lines, for local runs).
// Certificate file names are relative to the certs/ directory, as in the seeds' Docker layout.
import { isAbsolute, resolve } from 'node:path';
import type { OutputConfig } from './runtime-config.ts';
import { checkCertificateFiles, type PemFile } from '../output/certificate-check.ts';
import { devoOutputDefaults } from '../output/devo-output-config.ts';
import { streamSinkDefaults as d } from '../output/stream-sink-options.ts';
import { syslogOutputDefaults } from '../output/syslog-output-config.ts';
import {
  bool,
  dict,
  fail,
  int,
  isMapping,
  join,
  num,
  obj,
  str,
  warn,
  type Rule,
  type Shape,
  type Walk,
} from './schema.ts';
import type { ValidateContext } from './validate-context.ts';

export const OUTPUT_TYPES = ['devo_platform', 'syslog', 'console'] as const;
export const CERT_KEYS = ['chain', 'cert', 'key'] as const;

// Tuning shared by the stream outputs; defaults come from the output modules themselves (one copy).
const streamOptions = {
  concurrent_connections: { rule: int({ min: 1, max: 64 }), default: d.concurrent_connections },
  queue_max_events: { rule: int({ min: 1 }), default: d.queue_max_events },
  queue_max_bytes: { rule: int({ min: 1024 }), default: d.queue_max_bytes },
  idle_reconnect_seconds: { rule: num({ min: 0 }), default: d.idle_reconnect_seconds },
  max_connection_age_seconds: { rule: num({ min: 1 }), default: d.max_connection_age_seconds },
  connect_timeout_seconds: { rule: num({ min: 0.1 }), default: d.connect_timeout_seconds },
  close_timeout_seconds: { rule: num({ min: 0 }), default: d.close_timeout_seconds },
  reconnect_initial_seconds: { rule: num({ min: 0.01 }), default: d.reconnect_initial_seconds },
  reconnect_max_seconds: { rule: num({ min: 0.01 }), default: d.reconnect_max_seconds },
  write_chunk_bytes: { rule: int({ min: 1024 }), default: d.write_chunk_bytes },
  resend_buffer_bytes: { rule: int({ min: 64 * 1024 }), default: d.resend_buffer_bytes },
  // Replaced by resend_buffer_bytes; still accepted so existing files keep working (see retiredResendKeys).
  resend_window_bytes: { rule: int({ min: 0 }) },
  resend_window_seconds: { rule: num({ min: 0 }) },
  compression: { rule: str({ oneOf: ['none', 'gzip'] }), default: d.compression },
  compression_level: { rule: int({ min: 1, max: 9 }), default: d.compression_level },
  compression_buffer_in_bytes: { rule: int({ min: 1024 }), default: d.compression_buffer_in_bytes },
} satisfies Shape;

// No scheme, path or "host:port" (the port has its own key); IPv6 addresses keep their colons.
const HOST = /^(?![^:]+:\d*$)[^\s/]+$/;
const port = () => int({ min: 1, max: 65535 });
const certFile = () => str({ min: 1 });
// OpenSSL security levels; 1 is what older Devo certificates need (CA_MD_TOO_WEAK).
const secLevel = {
  rule: int({ min: 0, max: 5 }),
  doc: 'ciphers DEFAULT@SECLEVEL=<n>; unset keeps the default',
};

const configShapes: Record<OutputConfig['type'], Shape> = {
  devo_platform: {
    address: {
      rule: str({ min: 1, pattern: HOST, patternHint: 'a host name or IP address, without scheme or port' }),
      required: true,
    },
    port: { rule: port(), default: devoOutputDefaults.port },
    // The Devo endpoints only take TLS with the domain's client certificate.
    type: { rule: str({ oneOf: ['SSL'] }), default: devoOutputDefaults.type },
    chain: { rule: certFile(), required: true },
    cert: { rule: certFile(), required: true },
    key: { rule: certFile(), required: true },
    verify_hostname: { rule: bool(), default: devoOutputDefaults.verify_hostname },
    sec_level: secLevel,
    ...streamOptions,
  },
  syslog: {
    address: {
      rule: str({ min: 1, pattern: HOST, patternHint: 'a host name or IP address, without scheme or port' }),
      required: true,
    },
    port: { rule: port(), default: syslogOutputDefaults.port },
    tls: { rule: bool(), default: syslogOutputDefaults.tls },
    chain: { rule: certFile(), doc: 'with tls: the CA file to trust instead of the system roots' },
    verify_hostname: { rule: bool(), default: syslogOutputDefaults.verify_hostname },
    sec_level: secLevel,
    ...streamOptions,
  },
  console: {},
};

function output(ctx: Pick<ValidateContext, 'files' | 'paths'>): Rule<OutputConfig> {
  const outer = obj({
    type: { rule: str({ oneOf: [...OUTPUT_TYPES] }), required: true },
    config: { rule: { expected: 'a mapping', check: (v) => v } },
  });
  const inner = Object.fromEntries(Object.entries(configShapes).map(([t, s]) => [t, obj(s)])) as Record<
    OutputConfig['type'],
    Rule<Record<string, unknown>>
  >;
  return {
    expected: `a mapping with type (${OUTPUT_TYPES.join(', ')}) and config`,
    check(value, path, walk) {
      const parsed = outer.check(value, path, walk);
      if (!parsed) return undefined;
      const type = parsed.type as OutputConfig['type'];
      const configPath = join(path, 'config');
      const config = inner[type].check(parsed.config, configPath, walk);
      if (!config) return undefined;
      let ok = true;
      for (const k of CERT_KEYS) {
        const name = config[k];
        if (typeof name !== 'string') continue;
        const file = isAbsolute(name) ? name : resolve(ctx.paths.certs, name);
        const reason = ctx.files.checkReadable(file);
        if (reason) {
          fail(walk, join(configPath, k), `certificate file "${file}" ${reason}`);
          ok = false;
        } else config[k] = file; // the sink gets absolute paths
      }
      if (ok && !checkCertificates(config, ctx, configPath, walk)) ok = false;
      if (!retiredResendKeys(config, value, configPath, walk)) ok = false;
      if (
        typeof config.reconnect_max_seconds === 'number' &&
        config.reconnect_max_seconds < (config.reconnect_initial_seconds as number)
      ) {
        fail(walk, join(configPath, 'reconnect_max_seconds'), 'must be at least reconnect_initial_seconds');
        ok = false;
      }
      return ok ? ({ type, config } as OutputConfig) : undefined;
    },
  };
}

/**
 * The content of the certificate files, where the validator can read them (not in the operator, which only
 * knows the Secret's keys): each parses, key and chain belong to the certificate, it is valid now.
 */
function checkCertificates(
  config: Record<string, unknown>,
  ctx: Pick<ValidateContext, 'files'>,
  path: string,
  walk: Walk,
): boolean {
  const read = (k: (typeof CERT_KEYS)[number]): PemFile | undefined => {
    const file = config[k];
    if (typeof file !== 'string') return undefined;
    const r = ctx.files.readText(file);
    return 'text' in r ? { path: file, text: r.text } : undefined;
  };
  const cert = read('cert');
  if (!cert) return true;
  const chain = read('chain');
  const key = read('key');
  const problems = checkCertificateFiles(
    { cert, ...(chain ? { chain } : {}), ...(key ? { key } : {}) },
    walk.now,
  );
  for (const p of problems) fail(walk, join(path, p.field), p.message);
  return problems.length === 0;
}

/**
 * resend_window_bytes/_seconds bounded a time window of resent bytes, which lost data older than the window.
 * The resend now keeps every byte not proven read: the byte bound carries over to resend_buffer_bytes (when
 * that is not set), the time bound has no meaning any more. 0 used to turn the resend off, which is no longer
 * possible. Returns false on an error.
 */
function retiredResendKeys(config: Record<string, unknown>, raw: unknown, path: string, walk: Walk): boolean {
  const given = isMapping(raw) && isMapping(raw.config) ? raw.config : {};
  const bytes = config.resend_window_bytes;
  let ok = true;
  if (typeof bytes === 'number') {
    const min = 64 * 1024;
    if ('resend_buffer_bytes' in given)
      warn(
        walk,
        join(path, 'resend_window_bytes'),
        'is replaced by resend_buffer_bytes, which is set: ignored',
      );
    else if (bytes < min) {
      fail(
        walk,
        join(path, 'resend_window_bytes'),
        `got ${bytes}: the resend can no longer be turned off; remove resend_window_bytes or set resend_buffer_bytes (at least ${min})`,
      );
      ok = false;
    } else {
      warn(walk, join(path, 'resend_window_bytes'), 'is an old name: use resend_buffer_bytes');
      config.resend_buffer_bytes = bytes;
    }
  }
  if (config.resend_window_seconds !== undefined)
    warn(
      walk,
      join(path, 'resend_window_seconds'),
      'is ignored: everything the receiver may not have read is resent, however old (resend_buffer_bytes bounds the memory)',
    );
  delete config.resend_window_bytes;
  delete config.resend_window_seconds;
  return ok;
}

export function outputsRule(
  ctx: Pick<ValidateContext, 'files' | 'paths'>,
): Rule<Record<string, OutputConfig>> {
  return dict(output(ctx), { min: 1 });
}
