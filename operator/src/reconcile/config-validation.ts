// Runs the rendered config.yaml through the runtime's own validator (the code that will read it in the
// pod) and pins each problem on the custom resource field behind it: a runtime path such as
// inputs.microsoft_graph_audit.services.signIns.start_time_in_utc becomes
// "Service signins-main spec.startTimeInUtc: …".
import type { ConfigFiles } from '../../../collector-runtime/src/config/validate-context.ts';
import { validateConfig } from '../../../collector-runtime/src/config/validate.ts';
import { inputRegistry, legacyInputs } from '../../../collector-runtime/src/inputs/registry.ts';
import type { CollectorResource } from '../api/types.ts';
import { COLLECTOR_INPUT_FIELDS, COLLECTOR_OUTPUT_FIELDS, SERVICE_FIELDS } from '../api/config-keys.ts';
import { OUTPUT_NAME, RUNTIME_DIRS, RUNTIME_HOME, type RenderedConfig } from './config-render.ts';
import type { FieldProblem } from './field-problem.ts';

/** Past every real date: with no clock given, "start time must be in the past" cannot fail. */
const NO_CLOCK = 8.64e15;

export interface ConfigVerdict {
  errors: FieldProblem[];
  warnings: FieldProblem[];
}

/**
 * Secret files and certificates are assumed mounted here: whether the Secrets hold them is the
 * SecretsFound condition's question, so a missing Secret never hides a config mistake or the reverse.
 */
const mountedFiles: ConfigFiles = {
  readText: (path) =>
    path.startsWith(`${RUNTIME_DIRS.credentials}/`)
      ? { text: 'mounted-secret' }
      : { error: 'is not mounted in the pod' },
  checkReadable: (path) =>
    path.startsWith(`${RUNTIME_DIRS.certs}/`) ? undefined : 'is not mounted in the pod',
  checkDirectory: () => undefined,
};

export function validateRendered(
  collector: CollectorResource,
  rendered: RenderedConfig,
  now?: number,
): ConfigVerdict {
  const { problems } = validateConfig(rendered.document, {
    now: now ?? NO_CLOCK,
    env: {},
    paths: { base: RUNTIME_HOME, ...RUNTIME_DIRS },
    files: mountedFiles,
    registry: inputRegistry,
    legacyInputs,
  });
  const pin = (p: (typeof problems)[number]) =>
    pinProblem(p.path, p.message, collector, rendered.serviceOwners);
  return {
    errors: [...rendered.problems, ...problems.filter((p) => p.severity === 'error').map(pin)],
    warnings: problems.filter((p) => p.severity === 'warning').map(pin),
  };
}

/** Maps a config.yaml path back to the resource and field a person edits. */
export function pinProblem(
  path: string,
  message: string,
  collector: CollectorResource,
  serviceOwners: Record<string, string>,
): FieldProblem {
  const { name } = collector.metadata;
  const { spec } = collector;
  const onCollector = (field: string, msg = message): FieldProblem => ({
    kind: 'Collector',
    name,
    field,
    message: msg,
  });
  const input = `inputs.${spec.source}`;

  const services = under(path, `${input}.services`);
  if (services !== undefined) {
    if (services === '')
      return onCollector('', `no Service names this Collector in spec.collectorRef.name; ${message}`);
    const [service, key, rest] = splitKey(services);
    const owner = serviceOwners[service];
    if (owner === undefined) return onCollector('', `service ${service}: ${message}`);
    const field = key === '' ? 'spec.service' : `${specField(SERVICE_FIELDS, key)}${rest}`;
    return { kind: 'Service', name: owner, field, message };
  }
  const credentials = under(path, `${input}.credentials`);
  if (credentials !== undefined) {
    const key = splitKey(credentials)[0].replace(/_(file|env)$/, '');
    const where = key ? `key ${key} of Secret ${spec.credentialsSecretRef.name}: ` : '';
    return onCollector('spec.credentialsSecretRef', `${where}${message}`);
  }
  const inputSetting = under(path, input);
  if (inputSetting !== undefined) {
    if (inputSetting === '') return onCollector('spec.source', message);
    const [key, nested, rest] = splitKey(inputSetting);
    return onCollector(`${specField(COLLECTOR_INPUT_FIELDS, key)}${nested ? `.${nested}` : ''}${rest}`);
  }
  if (path === 'inputs' || path.startsWith('inputs.')) return onCollector('spec.source');
  const output = under(path, `outputs.${OUTPUT_NAME}.config`);
  if (output !== undefined) {
    const key = splitKey(output)[0];
    if (key === 'chain' || key === 'cert' || key === 'key')
      return onCollector('spec.output.certificateSecretRef');
    const field = Object.keys(COLLECTOR_OUTPUT_FIELDS).find(
      (f) => COLLECTOR_OUTPUT_FIELDS[f as keyof typeof COLLECTOR_OUTPUT_FIELDS] === key,
    );
    return onCollector(field ? `spec.output.${field}` : 'spec.output');
  }
  if (path.startsWith('outputs')) return onCollector('spec.output');
  if (path.startsWith('globals.persistence')) return onCollector('spec.persistence');
  if (path === 'globals.debug') return onCollector('spec.debug');
  return onCollector('', `config.yaml ${path || '(top level)'}: ${message}`);
}

/** `spec.<field>` when a table maps a CR field to `key`, else the pass-through `spec.settings.<key>`. */
function specField(table: Record<string, string>, key: string): string {
  const field = Object.keys(table).find((f) => table[f] === key);
  return field ? `spec.${field}` : `spec.settings.${key}`;
}

/** The part of `path` below `prefix` ('' for the prefix itself), or undefined when not below it. */
function under(path: string, prefix: string): string | undefined {
  if (path === prefix) return '';
  if (path.startsWith(`${prefix}.`)) return path.slice(prefix.length + 1);
  if (path.startsWith(`${prefix}[`)) return path.slice(prefix.length);
  return undefined;
}

/** "a.b.c[1]" → ["a", "b", ".c[1]"]: the first key, the second key, and the rest as a path suffix. */
function splitKey(path: string): [string, string, string] {
  const m = /^([^.[]*)(?:\.([^.[]*))?(.*)$/.exec(path)!;
  return [m[1] ?? '', m[2] ?? '', m[3] ?? ''];
}
