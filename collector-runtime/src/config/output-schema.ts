// `outputs:` of config.yaml: named outputs, each `{ type, config }`, the config shape chosen by type
// (seeds: devo_platform; the SDK's relay output is `syslog`; `console` prints lines, for local runs).
// Certificate file names are relative to the certs/ directory, as in the seeds' Docker layout.
import { isAbsolute, resolve } from 'node:path';
import type { OutputConfig } from './runtime-config.ts';
import { bool, dict, fail, int, join, obj, str, type Rule, type Shape } from './schema.ts';
import type { ValidateContext } from './validate-context.ts';

export const OUTPUT_TYPES = ['devo_platform', 'syslog', 'console'] as const;
export const CERT_KEYS = ['chain', 'cert', 'key'] as const;

const connection = {
  port: { rule: int({ min: 1, max: 65535 }), default: 443 },
  concurrent_connections: { rule: int({ min: 1, max: 64 }), default: 1 },
  verify_hostname: { rule: bool(), default: true },
} satisfies Shape;

const certFile = () => str({ min: 1 });

const configShapes: Record<OutputConfig['type'], Shape> = {
  devo_platform: {
    address: { rule: str({ min: 1, pattern: /^[^\s:/]+$/, patternHint: 'a host name, without scheme or port' }), required: true },
    ...connection,
    type: { rule: str({ oneOf: ['SSL', 'TCP'] }), default: 'SSL' },
    chain: { rule: certFile(), required: true },
    cert: { rule: certFile(), required: true },
    key: { rule: certFile(), required: true },
  },
  syslog: {
    address: { rule: str({ min: 1, pattern: /^[^\s/]+$/, patternHint: 'a host name or IP address' }), required: true },
    ...connection,
    port: { rule: int({ min: 1, max: 65535 }), required: true },
    type: { rule: str({ oneOf: ['TCP', 'SSL'] }), default: 'TCP' },
    chain: { rule: certFile() },
    cert: { rule: certFile() },
    key: { rule: certFile() },
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
      if (type === 'syslog' && (config.cert === undefined) !== (config.key === undefined)) {
        fail(walk, configPath, 'set both cert and key for client authentication, or neither');
        ok = false;
      }
      return ok ? ({ type, config } as OutputConfig) : undefined;
    },
  };
}

export function outputsRule(ctx: Pick<ValidateContext, 'files' | 'paths'>): Rule<Record<string, OutputConfig>> {
  return dict(output(ctx), { min: 1 });
}
