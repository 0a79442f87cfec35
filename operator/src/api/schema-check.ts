// Checks a document against a JSON Schema and fills in the schema's defaults, with one kept validator
// (ajv): custom resources against their CRD's structural schema, as the API server would, where resources
// are seen before it does (`render`), and the chart's values against values.schema.json. A CRD schema is
// read the way the API server reads it: x-kubernetes-int-or-string is "integer or string", and an object
// with properties knows no other fields (the API server prunes them; like kubectl --validate=strict, this
// reports them). CEL rules (x-kubernetes-validations) are k8s/validation-rules.ts's job.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './crd-definition.ts';

export interface SchemaIssue {
  path: string;
  message: string;
}

const OPTIONS = {
  allErrors: true,
  verbose: true,
  // Kubernetes' own keywords (x-kubernetes-*, nullable) and formats (int64) are not JSON Schema's.
  strict: false,
  validateFormats: false,
  validateSchema: false,
  logger: false,
} as const;
/** Fills in defaults as it validates (render, chart values). */
const defaulting = new Ajv({ ...OPTIONS, useDefaults: true });
/** Leaves the value alone (the test API server applies defaults and prunes in its own steps first). */
const checking = new Ajv(OPTIONS);
const compiled = new WeakMap<JsonSchema, ValidateFunction>();
const compiledForServer = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    const { $schema: _metaSchema, ...rest } = asJsonSchema(schema, true) as JsonSchema;
    validate = defaulting.compile(rest);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * The OpenAPI keyword errors of a custom resource after the API server's own pruning and defaulting (the
 * test API server maps them to its Status causes). apiVersion, kind and metadata are validated elsewhere.
 */
export function structuralErrors(value: unknown, schema: JsonSchema): ErrorObject[] {
  let validate = compiledForServer.get(schema);
  if (!validate) {
    const root = asJsonSchema(schema, false) as JsonSchema;
    const { apiVersion: _a, kind: _k, metadata: _m, ...properties } = (root.properties ?? {}) as JsonSchema;
    validate = checking.compile({ ...root, properties });
    compiledForServer.set(schema, validate);
  }
  validate(value);
  return validate.errors ?? [];
}

/** "/spec/items/0/name" → "spec.items[0].name". */
export function dottedPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, p) => (/^\d+$/.test(p) ? `${path}[${p}]` : join(path, p)), '');
}

/** The problems of `value` (defaults applied first, unknown fields included). */
export function checkAgainstSchema(value: unknown, schema: JsonSchema): SchemaIssue[] {
  const validate = validatorFor(schema);
  const copy = structuredClone(value);
  validate(copy);
  return (validate.errors ?? []).filter(shown).map(issueOf);
}

/** A copy of `value` with every `default` of the schema applied where the field is absent. */
export function withDefaults<T>(value: T, schema: JsonSchema): T {
  const copy = structuredClone(value);
  validatorFor(schema)(copy);
  return copy;
}

/**
 * A CRD schema node as plain JSON Schema (see the header); other schemas pass unchanged. `closed`: objects
 * with properties reject other fields (the test API server prunes them before it validates instead).
 */
function asJsonSchema(node: unknown, closed: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => asJsonSchema(n, closed));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node))
    out[k] = k === 'enum' || k === 'default' ? v : asJsonSchema(v, closed);
  if (out['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (
    closed &&
    out.type === 'object' &&
    typeof out.properties === 'object' &&
    out.additionalProperties === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  )
    out.additionalProperties = false;
  return out;
}

/** anyOf/oneOf report their branches' errors as well; the summary error is the one to show. */
function shown(error: ErrorObject): boolean {
  return !error.schemaPath.includes('/anyOf/') && !error.schemaPath.includes('/oneOf/');
}

function issueOf(error: ErrorObject): SchemaIssue {
  const path = dottedPath(error.instancePath);
  const at = (message: string, where = path) => ({ path: where || '(root)', message });
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return at('is required', join(path, String(params.missingProperty)));
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema?.properties ?? {}) as object);
      return at(`unknown field (known: ${known.join(', ')})`, join(path, String(params.additionalProperty)));
    }
    case 'type':
      return at(`must be ${describeType(params.type)}, got ${typeOf(error.data)}`);
    case 'enum':
      return at(
        `must be one of ${(params.allowedValues as unknown[]).map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(error.data)}`,
      );
    case 'pattern':
      return at(`must match ${String(params.pattern)}, got ${JSON.stringify(error.data)}`);
    default:
      return at(error.message ?? `fails ${error.keyword}`);
  }
}

function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  const one = (t: string) =>
    t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a${/^[aeiou]/.test(t) ? 'n' : ''} ${t}`;
  return types.map((t) => one(String(t))).join(' or ');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
