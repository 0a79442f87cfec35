// A CRD's x-kubernetes-validations (CEL) rules, evaluated with a kept CEL library (@bufbuild/cel) the way the
// API server evaluates them. One definition of each rule, the generated CRD: the operator checks it before
// creating anything (API servers before 1.25 drop CEL rules without a word), and the test API server
// enforces it with this same code.
//
// Values reach CEL as the API server types them: objects and maps as CEL maps, schema integers as CEL
// int, schema numbers as double. Transition rules (those naming oldSelf) run only when there is an old
// value; old values are matched to new ones by property and map key (list items are not correlated, which
// is what the API server does for atomic and set lists). Kubernetes' own CEL libraries (quantity, url, ip,
// lists…) and optionalOldSelf are not in the library: such rules are listed by unevaluableRules() and
// skipped, never guessed at.
import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/** A schema node as a CRD holds it. */
export type SchemaNode = { readonly [keyword: string]: unknown };

export interface RuleViolation {
  /** The field the rule sits on (plus its fieldPath), dotted from the object root; '' for the root. */
  path: string;
  rule: string;
  /** The rule's message, messageExpression or, when it errors, the evaluation error. */
  message: string;
  /** The rule's reason (FieldValueInvalid unless the rule says otherwise). */
  reason: string;
}

export interface UnevaluableRule {
  path: string;
  rule: string;
  why: string;
}

/** The Kubernetes CEL environment's standard library and string extensions. */
const env = celEnv({ funcs: strings });

/** Calls the planner handles itself rather than through a function of the environment. */
const BUILT_IN_CALLS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false']);

interface Compiled {
  evaluate: (bindings: Record<string, CelInput>) => unknown;
  usesOldSelf: boolean;
}

const compiledRules = new Map<string, Compiled | { why: string }>();

function compile(source: string): Compiled | { why: string } {
  let entry = compiledRules.get(source);
  if (entry) return entry;
  try {
    const parsed = parse(source);
    const idents = new Set<string>();
    const calls = new Set<string>();
    collectNames(parsed.expr, idents, calls);
    const unknown = [...calls].filter((c) => !BUILT_IN_CALLS.has(c) && !env.funcs.find(c));
    if (unknown.length > 0) entry = { why: `uses ${unknown.join(', ')}, not in the CEL library` };
    else entry = { evaluate: plan(env, parsed) as Compiled['evaluate'], usesOldSelf: idents.has('oldSelf') };
  } catch (err) {
    entry = { why: err instanceof Error ? err.message : String(err) };
  }
  compiledRules.set(source, entry);
  return entry;
}

/** Identifiers and called functions of a parsed CEL expression (a protobuf message tree). */
function collectNames(node: unknown, idents: Set<string>, calls: Set<string>): void {
  if (typeof node !== 'object' || node === null) return;
  const kind = (node as { exprKind?: { case?: string; value?: { name?: string; function?: string } } })
    .exprKind;
  if (kind?.case === 'identExpr' && kind.value?.name) idents.add(kind.value.name);
  if (kind?.case === 'callExpr' && kind.value?.function) calls.add(kind.value.function);
  for (const child of Object.values(node)) if (typeof child === 'object') collectNames(child, idents, calls);
}

/** Every rule of `schema` and below it that this module cannot evaluate. */
export function unevaluableRules(schema: SchemaNode | undefined, path = ''): UnevaluableRule[] {
  if (!schema) return [];
  const out: UnevaluableRule[] = [];
  for (const spec of rulesOf(schema)) {
    const compiled = compile(spec.rule);
    if ('why' in compiled) out.push({ path, rule: spec.rule, why: compiled.why });
    else if (spec.optionalOldSelf)
      out.push({ path, rule: spec.rule, why: 'optionalOldSelf is not supported' });
  }
  for (const [child, childPath] of childSchemas(schema, path))
    out.push(...unevaluableRules(child, childPath));
  return out;
}

/** The violations of the rules on this one schema node (not below it): for validators that walk themselves. */
export function nodeRuleViolations(
  value: unknown,
  schema: SchemaNode,
  old: unknown,
  path: string,
): RuleViolation[] {
  const out: RuleViolation[] = [];
  for (const spec of rulesOf(schema)) {
    const compiled = compile(spec.rule);
    if ('why' in compiled || spec.optionalOldSelf) continue;
    if (compiled.usesOldSelf && old === undefined) continue;
    const bindings = { self: toCel(value, schema), oldSelf: old === undefined ? null : toCel(old, schema) };
    const result = compiled.evaluate(bindings);
    if (result === true) continue;
    const message = isCelError(result)
      ? `${result.message} evaluating rule: ${spec.rule}`
      : messageOf(spec, bindings);
    out.push({ path: `${path}${spec.fieldPath}`, rule: spec.rule, message, reason: spec.reason });
  }
  return out;
}

/** The violations of every rule of `schema` on `value` and its fields. */
export function ruleViolations(
  value: unknown,
  schema: SchemaNode,
  old?: unknown,
  path = '',
): RuleViolation[] {
  const out = nodeRuleViolations(value, schema, old, path);
  if (isObject(value)) {
    const props = isObject(schema.properties) ? schema.properties : {};
    const extra = isObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
    const oldObject = isObject(old) ? old : {};
    for (const [key, child] of Object.entries(value)) {
      const sub = (props[key] ?? extra) as SchemaNode | undefined;
      if (sub) out.push(...ruleViolations(child, sub, oldObject[key], join(path, key)));
    }
  } else if (Array.isArray(value) && isObject(schema.items)) {
    const items = schema.items;
    value.forEach((item, i) => out.push(...ruleViolations(item, items, undefined, `${path}[${i}]`)));
  }
  return out;
}

interface RuleSpec {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason: string;
  fieldPath: string;
  optionalOldSelf: boolean;
}

function rulesOf(schema: SchemaNode): RuleSpec[] {
  const rules = schema['x-kubernetes-validations'];
  if (!Array.isArray(rules)) return [];
  return rules.filter(isObject).map((r) => ({
    rule: String(r.rule ?? ''),
    ...(typeof r.message === 'string' ? { message: r.message } : {}),
    ...(typeof r.messageExpression === 'string' ? { messageExpression: r.messageExpression } : {}),
    reason: typeof r.reason === 'string' ? r.reason : 'FieldValueInvalid',
    fieldPath: typeof r.fieldPath === 'string' ? r.fieldPath : '',
    optionalOldSelf: r.optionalOldSelf === true,
  }));
}

function messageOf(spec: RuleSpec, bindings: Record<string, CelInput>): string {
  if (spec.messageExpression !== undefined) {
    const compiled = compile(spec.messageExpression);
    // Falls back to `message` when the expression fails, as the API server does.
    if ('evaluate' in compiled) {
      const rendered = compiled.evaluate(bindings);
      if (typeof rendered === 'string' && rendered !== '') return rendered;
    }
  }
  return spec.message ?? `failed rule: ${spec.rule}`;
}

function childSchemas(schema: SchemaNode, path: string): [SchemaNode, string][] {
  const out: [SchemaNode, string][] = [];
  if (isObject(schema.properties))
    for (const [key, sub] of Object.entries(schema.properties))
      if (isObject(sub)) out.push([sub, join(path, key)]);
  if (isObject(schema.items)) out.push([schema.items, `${path}[*]`]);
  if (isObject(schema.additionalProperties)) out.push([schema.additionalProperties, `${path}[*]`]);
  return out;
}

/** A JSON value as the API server hands it to CEL, typed by its schema. */
function toCel(value: unknown, schema: SchemaNode | undefined): CelInput {
  if (typeof value === 'number')
    return Number.isInteger(value) && schema?.type !== 'number' ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const items = isObject(schema?.items) ? schema.items : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (isObject(value)) {
    const props = isObject(schema?.properties) ? schema.properties : {};
    const extra = isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined;
    return new Map(
      Object.entries(value).map(([k, v]) => [k, toCel(v, (props[k] ?? extra) as SchemaNode | undefined)]),
    );
  }
  return value as CelInput;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
