// Checks a custom resource against its CRD's structural schema and fills in the schema's defaults, as
// the API server would, for the places that see resources before the API server does (`render`).
// CEL rules (x-kubernetes-validations) are not evaluated here; the API server enforces them.
import type { JsonSchema } from './crd-definition.ts';

export interface SchemaIssue {
  path: string;
  message: string;
}

const ROOT_KEYS = new Set(['apiVersion', 'kind', 'metadata']);

/** The problems of `value`, after defaults: unknown fields included (kubectl --validate=strict does the same). */
export function checkAgainstSchema(value: unknown, schema: JsonSchema): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  walk(value, schema, '', issues, true);
  return issues;
}

/** A copy of `value` with every `default` of the schema applied where the field is absent. */
export function withDefaults<T>(value: T, schema: JsonSchema): T {
  return defaults(structuredClone(value), schema) as T;
}

function defaults(value: unknown, schema: JsonSchema): unknown {
  if (Array.isArray(value)) {
    const items = schema.items as JsonSchema | undefined;
    return items ? value.map((v) => defaults(v, items)) : value;
  }
  if (!isObject(value)) return value;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, sub] of Object.entries(props)) {
    if (value[key] === undefined && sub.default !== undefined) value[key] = structuredClone(sub.default);
    if (value[key] !== undefined) value[key] = defaults(value[key], sub);
  }
  const extra = schema.additionalProperties;
  if (isObject(extra))
    for (const key of Object.keys(value))
      if (!(key in props)) value[key] = defaults(value[key], extra as JsonSchema);
  return value;
}

function walk(value: unknown, schema: JsonSchema, path: string, issues: SchemaIssue[], root = false): void {
  const at = (message: string) => issues.push({ path: path || '(root)', message });
  if (!typeMatches(value, schema)) {
    at(`must be ${describeType(schema)}, got ${typeOf(value)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value as never))
    at(
      `must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`,
    );
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      at(`must be at least ${schema.minLength} characters`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      at(`must be at most ${schema.maxLength} characters`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
      at(`must match ${schema.pattern}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      at(`must be at least ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) at(`must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      at(`must have at most ${schema.maxItems} items`);
    const items = schema.items as JsonSchema | undefined;
    if (items) value.forEach((v, i) => walk(v, items, `${path}[${i}]`, issues));
    return;
  }
  if (!isObject(value) || schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const key of (schema.required ?? []) as string[])
    if (value[key] === undefined) issues.push({ path: join(path, key), message: 'is required' });
  if (typeof schema.maxProperties === 'number' && Object.keys(value).length > schema.maxProperties)
    at(`must have at most ${schema.maxProperties} entries`);
  const extra = schema.additionalProperties;
  for (const [key, child] of Object.entries(value)) {
    if (root && ROOT_KEYS.has(key)) continue;
    const sub = props[key] ?? (isObject(extra) ? (extra as JsonSchema) : undefined);
    if (sub) walk(child, sub, join(path, key), issues);
    else if (extra !== true)
      issues.push({
        path: join(path, key),
        message: `unknown field (known: ${Object.keys(props).join(', ')})`,
      });
  }
}

function typeMatches(value: unknown, schema: JsonSchema): boolean {
  if (schema['x-kubernetes-int-or-string'] === true)
    return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return value !== null;
  }
}

function describeType(schema: JsonSchema): string {
  if (schema['x-kubernetes-int-or-string'] === true) return 'an integer or a string';
  const t = String(schema.type);
  return t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a${/^[aeiou]/.test(t) ? 'n' : ''} ${t}`;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
