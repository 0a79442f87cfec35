// `inputs:` of config.yaml: input key (the source type) → that source's settings, credentials and
// services. The source's definition supplies the shapes; this walker supplies what every input shares,
// the paths, the legacy (1.x) checks and the "unknown input/service" messages.
import type { InputConfig, InputDefinition } from '../inputs/definition.ts';
import type { ConfiguredInput, EnabledService } from './runtime-config.ts';
import {
  bool,
  fail,
  int,
  isMapping,
  join,
  show,
  str,
  suggest,
  warn,
  type Shape,
  type Walk,
} from './schema.ts';
import { withSecretRefs } from './secret-refs.ts';
import { serviceRule } from './service-schema.ts';
import type { ValidateContext } from './validate-context.ts';

/** The settings every input takes besides its definition's own (credentials and services are walked apart). */
export const COMMON_INPUT_SETTINGS = {
  id: {
    // It becomes part of state keys (file names, ConfigMap keys), so only characters safe there.
    rule: str({
      min: 1,
      max: 64,
      pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
      patternHint: 'letters, digits, "_", "." or "-"',
    }),
    required: true,
    doc: 'short unique id; part of the persistence key',
  },
  enabled: { rule: bool(), default: true },
  requests_per_second: { rule: int({ min: 1 }), doc: 'cap on API requests per second' },
  environment: { rule: str({ min: 1 }), doc: 'added to every event as @devo_environment' },
} satisfies Shape;

export function validateInputs(
  raw: unknown,
  path: string,
  walk: Walk,
  ctx: ValidateContext,
): ConfiguredInput[] | undefined {
  const known = [...ctx.registry.keys()];
  if (raw === undefined || raw === null)
    return fail(
      walk,
      path,
      `is required: expected a mapping of input names to settings (known inputs: ${known.join(', ')})`,
    );
  if (!isMapping(raw))
    return fail(walk, path, `got ${show(raw)}, expected a mapping of input names to settings`);
  if (Object.keys(raw).length === 0)
    return fail(walk, path, `is empty: configure at least one input (known inputs: ${known.join(', ')})`);
  const out: ConfiguredInput[] = [];
  let ok = true;
  for (const [key, value] of Object.entries(raw)) {
    const def = ctx.registry.get(key);
    const p = join(path, key);
    const r = def ? validateInput(key, def, value, p, walk, ctx) : unknownInput(key, value, p, walk, ctx);
    if (r) out.push(r);
    else ok = false;
  }
  return ok ? out : undefined;
}

function unknownInput(key: string, raw: unknown, path: string, walk: Walk, ctx: ValidateContext): undefined {
  const legacy = ctx.legacyInputs?.[key];
  if (legacy) fail(walk, path, legacy);
  else {
    const hint = suggest(key, [...ctx.registry.keys()]);
    fail(
      walk,
      path,
      `unknown input${hint ? `; ${hint}` : ''} (known inputs: ${[...ctx.registry.keys()].join(', ')})`,
    );
  }
  // An old layout under an unknown key (e.g. 1.x `microsoft_graph`) still gets each definition's
  // migration hints; definitions sharing a detector repeat them, which validate.ts drops.
  if (isMapping(raw)) for (const def of ctx.registry.values()) def.detectLegacy?.(raw, path, walk);
  return undefined;
}

function validateInput(
  key: string,
  def: InputDefinition,
  raw: unknown,
  path: string,
  walk: Walk,
  ctx: ValidateContext,
): ConfiguredInput | undefined {
  if (!isMapping(raw))
    return fail(walk, path, `got ${show(raw)}, expected a mapping with id, credentials and services`);

  // Migration hints come first; the ordinary checks then skip whatever they already explain.
  const legacy: Walk = { problems: [], now: walk.now };
  def.detectLegacy?.(raw, path, legacy);
  walk.problems.push(...legacy.problems);
  const explained = legacy.problems.filter((p) => p.severity === 'error').map((p) => p.path);
  const sub: Walk = { problems: [], now: walk.now };

  const { credentials: rawCredentials, services: rawServices, ...rest } = raw;
  renameAlias(rest, 'request_per_second', 'requests_per_second', path, sub);
  const base = withSecretRefs({ ...COMMON_INPUT_SETTINGS, ...def.settings }, ctx).check(rest, path, sub);
  const credentials = withSecretRefs(def.credentials, ctx, {}, 'all').check(
    rawCredentials,
    join(path, 'credentials'),
    sub,
  );
  const services = validateServices(def, rawServices, join(path, 'services'), sub, ctx);

  let input: InputConfig | undefined;
  if (base && credentials) {
    input = { ...base, credentials } as InputConfig;
    if (!sub.problems.some((p) => p.severity === 'error')) def.validate?.(input, path, sub);
  }
  const covered = (p: string) => explained.some((e) => p === e || p.startsWith(`${e}.`));
  const kept = sub.problems.filter((p) => !covered(p.path));
  walk.problems.push(...kept);
  if (
    !input ||
    !services ||
    legacy.problems.some((p) => p.severity === 'error') ||
    kept.some((p) => p.severity === 'error')
  )
    return undefined;
  // A disabled input stays listed (for status and summaries) but runs nothing.
  return { name: key, config: input, services: input.enabled ? services : [] };
}

function validateServices(
  def: InputDefinition,
  raw: unknown,
  path: string,
  walk: Walk,
  ctx: ValidateContext,
): EnabledService[] | undefined {
  const offered = Object.keys(def.services);
  if (raw === undefined || raw === null)
    return fail(
      walk,
      path,
      `is required: expected a mapping of service names to settings (${def.name} offers: ${offered.join(', ')})`,
    );
  if (!isMapping(raw))
    return fail(walk, path, `got ${show(raw)}, expected a mapping of service names to settings`);
  if (Object.keys(raw).length === 0)
    return fail(
      walk,
      path,
      `is empty: configure at least one service (${def.name} offers: ${offered.join(', ')})`,
    );
  const out: EnabledService[] = [];
  let ok = true;
  for (const [name, value] of Object.entries(raw)) {
    const sdef = def.services[name];
    const p = join(path, name);
    if (!sdef) {
      fail(walk, p, unknownServiceMessage(name, def, ctx));
      ok = false;
      continue;
    }
    const config = serviceRule(name, sdef, ctx).check(value, p, walk);
    const errors = walk.problems.filter((x) => x.severity === 'error').length;
    if (config) sdef.validate?.(config, p, walk);
    if (!config || walk.problems.filter((x) => x.severity === 'error').length > errors) ok = false;
    else if (config.enabled !== false) out.push({ name, config });
  }
  return ok ? out : undefined;
}

function unknownServiceMessage(name: string, def: InputDefinition, ctx: ValidateContext): string {
  const offered = Object.keys(def.services);
  const elsewhere = [...ctx.registry.values()].find((d) => d !== def && name in d.services);
  if (elsewhere)
    return `unknown service: ${name} belongs to input ${elsewhere.name} (${def.name} offers: ${offered.join(', ')})`;
  const hint = suggest(name, offered);
  return `unknown service${hint ? `; ${hint}` : ''} (${def.name} offers: ${offered.join(', ')})`;
}

/** Accepts a misspelling that appears in the product documents' own examples, with a warning. */
function renameAlias(
  raw: Record<string, unknown>,
  alias: string,
  key: string,
  path: string,
  walk: Walk,
): void {
  if (!(alias in raw)) return;
  if (key in raw) {
    fail(walk, join(path, alias), `set only ${key} (${alias} is an old spelling of it)`);
  } else {
    warn(walk, join(path, alias), `is an old spelling: use ${key}`);
    raw[key] = raw[alias];
  }
  delete raw[alias];
}
