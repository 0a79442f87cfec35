// `outputs:` of config.yaml: named outputs, each `{ type, config }`, the config shape chosen by type
// (devo_platform as in the original collectors; `syslog` is the SDK's relay output; `console` prints
// lines, for local runs). Each output type's rule lives with it; this file picks one by type and
// resolves certificate file names against the certs/ directory (the Docker layout).
import { isAbsolute, resolve } from 'node:path';
import type { ValidateContext } from '../config/validate-context.ts';
import { dict, fail, join, obj, str, type Rule, type Walk } from '../config/schema.ts';
import { devoOutputRule, type DevoOutputConfig } from './devo-output-config.ts';
import { syslogOutputRule, type SyslogOutputConfig } from './syslog-output-config.ts';
import type { StreamSinkOptions } from './stream-sink-options.ts';
import { retiredResendKeys } from './stream-sink-rules.ts';
import { checkCertificateFiles, type PemFile } from './certificate-check.ts';

/** A parsed output config; keys of other output types read as unknown (validation refused them). */
type Loose<C> = C & Record<string, unknown>;

export type OutputConfig =
  | { type: 'devo_platform'; config: Loose<DevoOutputConfig> }
  | { type: 'syslog'; config: Loose<SyslogOutputConfig> }
  | { type: 'console'; config: Loose<{}> };

export const OUTPUT_TYPES = [
  'devo_platform',
  'syslog',
  'console',
] as const satisfies readonly OutputConfig['type'][];

type Files = Pick<ValidateContext, 'files' | 'paths'>;

/** Makes chain/cert/key absolute (the sink gets absolute paths) and checks each file can be read. */
function resolveCertFiles(
  config: { chain?: string; cert?: string; key?: string },
  path: string,
  walk: Walk,
  ctx: Files,
): boolean {
  let ok = true;
  for (const k of ['chain', 'cert', 'key'] as const) {
    const name = config[k];
    if (name === undefined) continue;
    const file = isAbsolute(name) ? name : resolve(ctx.paths.certs, name);
    const reason = ctx.files.checkReadable(file);
    if (reason) {
      fail(walk, join(path, k), `certificate file "${file}" ${reason}`);
      ok = false;
    } else config[k] = file;
  }
  return ok;
}

function checkReconnectBounds(config: Partial<StreamSinkOptions>, path: string, walk: Walk): boolean {
  const { reconnect_initial_seconds: initial, reconnect_max_seconds: max } = config;
  if (initial === undefined || max === undefined || max >= initial) return true;
  fail(walk, join(path, 'reconnect_max_seconds'), 'must be at least reconnect_initial_seconds');
  return false;
}

/** A stream output's config: its own rule, then certificate files and reconnect bounds. */
function streamOutput<C extends Partial<StreamSinkOptions> & { chain?: string; cert?: string; key?: string }>(
  rule: Rule<C>,
  raw: unknown,
  path: string,
  walk: Walk,
  ctx: Files,
): C | undefined {
  const config = rule.check(raw, path, walk);
  if (!config) return undefined;
  const files = resolveCertFiles(config, path, walk, ctx);
  const ok = [
    files && checkCertificates(config, ctx, path, walk),
    checkReconnectBounds(config, path, walk),
    retiredResendKeys(config, raw, path, walk),
  ];
  return ok.every(Boolean) ? config : undefined;
}

/**
 * The content of the certificate files, where the validator can read them (not in the operator, which only
 * knows the Secret's keys): each parses, key and chain belong to the certificate, it is valid now.
 */
function checkCertificates(
  config: { chain?: string; cert?: string; key?: string },
  ctx: Files,
  path: string,
  walk: Walk,
): boolean {
  const read = (k: 'chain' | 'cert' | 'key'): PemFile | undefined => {
    const file = config[k];
    if (file === undefined) return undefined;
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

function output(ctx: Files): Rule<OutputConfig> {
  const outer = obj({
    type: { rule: str({ oneOf: OUTPUT_TYPES }), required: true },
    config: { rule: { expected: 'a mapping', check: (v: unknown) => v } },
  });
  const devo = devoOutputRule();
  const syslog = syslogOutputRule();
  const consoleRule = obj({});
  return {
    expected: `a mapping with type (${OUTPUT_TYPES.join(', ')}) and config`,
    check(value, path, walk) {
      const parsed = outer.check(value, path, walk);
      if (!parsed) return undefined;
      const at = join(path, 'config');
      switch (parsed.type) {
        case 'devo_platform': {
          const config = streamOutput(devo, parsed.config, at, walk, ctx);
          return config && { type: parsed.type, config };
        }
        case 'syslog': {
          const config = streamOutput(syslog, parsed.config, at, walk, ctx);
          return config && { type: parsed.type, config };
        }
        case 'console':
          return consoleRule.check(parsed.config, at, walk) ? { type: parsed.type, config: {} } : undefined;
      }
    },
  };
}

export function outputsRule(ctx: Files): Rule<Record<string, OutputConfig>> {
  return dict(output(ctx), { min: 1 });
}
