// `globals:` of config.yaml: the product documents' collector identity, debug switch and persistence, plus our
// metrics listener and shutdown bound. Unknown keys only warn, as the product documents' SDK does
// ("Illegal global setting has been ignored -> multiprocessing: False").
import type { GlobalsConfig, PersistenceConfig } from './runtime-config.ts';
import {
  bool,
  fail,
  int,
  isMapping,
  join,
  obj,
  show,
  str,
  suggest,
  warn,
  type Rule,
  type Shape,
} from './schema.ts';

export const DEFAULT_STATE_DIRECTORY = 'state';
export const DEFAULT_METRICS = { host: '0.0.0.0', port: 9464 } as const;
export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 30;

const PERSISTENCE_TYPES = ['filesystem', 'memory', 'configmap'];
// Kubernetes object names (RFC 1123 subdomain).
const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const persistenceConfig: Record<string, Rule<unknown>> = {
  filesystem: obj({ directory_name: { rule: str({ min: 1 }), default: DEFAULT_STATE_DIRECTORY } }),
  memory: obj({}),
  configmap: obj({
    name: {
      rule: str({ min: 1, max: 253, pattern: K8S_NAME, patternHint: 'a Kubernetes object name' }),
      required: true,
    },
    namespace: { rule: str({ min: 1, max: 63, pattern: K8S_NAME, patternHint: 'a Kubernetes namespace' }) },
  }),
};

function persistence(): Rule<PersistenceConfig> {
  const expected = `a mapping with type (${PERSISTENCE_TYPES.join(', ')}) and config`;
  const outer = obj({
    type: { rule: str({ oneOf: PERSISTENCE_TYPES }), required: true },
    config: { rule: { expected: 'a mapping', check: (v) => v } },
  });
  return {
    expected,
    check(value, path, walk) {
      const parsed = outer.check(value, path, walk);
      if (!parsed) return undefined;
      const type = parsed.type as PersistenceConfig['type'];
      const config = persistenceConfig[type]!.check(parsed.config, join(path, 'config'), walk);
      if (config === undefined) return undefined;
      return (type === 'memory' ? { type } : { type, config }) as PersistenceConfig;
    },
  };
}

export const GLOBALS_SHAPE = {
  debug: { rule: bool(), default: false },
  id: { rule: str({ min: 1 }), required: true, doc: 'collector id (product documents: short unique value)' },
  name: { rule: str({ min: 1 }), required: true, doc: 'collector name' },
  persistence: {
    rule: persistence(),
    default: { type: 'filesystem', config: { directory_name: DEFAULT_STATE_DIRECTORY } },
  },
  metrics: {
    rule: obj({
      host: { rule: str({ min: 1 }), default: DEFAULT_METRICS.host },
      // 0 lets the OS pick a free port (tests).
      port: { rule: int({ min: 0, max: 65535 }), default: DEFAULT_METRICS.port },
    }),
    default: DEFAULT_METRICS,
  },
  shutdown_timeout_seconds: { rule: int({ min: 1, max: 3600 }), default: DEFAULT_SHUTDOWN_TIMEOUT_SECONDS },
  kubernetes_status: {
    rule: obj({
      collector: {
        rule: str({ min: 1, max: 253, pattern: K8S_NAME, patternHint: 'a Collector name' }),
        required: true,
      },
      namespace: { rule: str({ min: 1, max: 63, pattern: K8S_NAME, patternHint: 'a Kubernetes namespace' }) },
    }),
    doc: 'set by the operator: the Collector whose status.lastPullTime this runtime reports',
  },
  hostname: {
    rule: str({
      min: 1,
      max: 255,
      pattern: /^[^\s]+$/,
      patternHint: 'no spaces: it is the syslog HOSTNAME field',
    }),
  },
} satisfies Shape;

export const GLOBAL_SETTINGS: readonly string[] = Object.keys(GLOBALS_SHAPE);

export function globalsRule(): Rule<GlobalsConfig> {
  const known = obj(GLOBALS_SHAPE);
  return {
    expected: known.expected,
    check(value, path, walk) {
      if (value === undefined || value === null)
        return fail(walk, path, `is required: expected ${known.expected}`);
      if (!isMapping(value)) return fail(walk, path, `got ${show(value)}, expected a mapping`);
      const kept: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        if (key in GLOBALS_SHAPE) kept[key] = v;
        else {
          const hint = suggest(key, GLOBAL_SETTINGS as string[]);
          warn(walk, join(path, key), `Illegal global setting has been ignored${hint ? `; ${hint}` : ''}`);
        }
      }
      return known.check(kept, path, walk) as GlobalsConfig | undefined;
    },
  };
}
