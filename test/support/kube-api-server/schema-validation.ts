// Custom resource handling against a CRD's structural openAPIV3Schema, in the apiserver's order:
// prune unknown fields → drop non-nullable nulls → apply defaults → validate: the OpenAPI keywords with
// the operator's own JSON Schema validator (ajv, operator/src/api/schema-check.ts), worded as the
// apiserver words them; list-type uniqueness; then the CRD's CEL rules with the operator's own evaluator
// (operator/src/k8s/validation-rules.ts).

import type { ErrorObject } from 'ajv';
import { dottedPath, structuralErrors } from '../../../operator/src/api/schema-check.ts';
import { fieldError, type StatusCause } from './api-error.ts';
import {
  nodeRuleViolations,
  unevaluableRules,
  type UnevaluableRule,
} from '../../../operator/src/k8s/validation-rules.ts';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value.ts';
import { itemKey, listSemanticsFromSchema } from './list-semantics.ts';

const ROOT_PASSTHROUGH = new Set(['apiVersion', 'kind', 'metadata']);

function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function preservesUnknown(schema: JsonObject): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

/** Prunes unknown fields in place; returns their paths (for fieldValidation Warn/Strict). */
export function pruneUnknownFields(obj: JsonObject, schema: JsonObject): string[] {
  const unknown: string[] = [];
  pruneValue(obj, schema, '', unknown, true);
  return unknown;
}

function pruneValue(
  value: JsonValue,
  schema: JsonObject,
  path: string,
  unknown: string[],
  root = false,
): void {
  if (Array.isArray(value)) {
    if (isJsonObject(schema.items))
      value.forEach((item, i) => pruneValue(item, schema.items as JsonObject, `${path}[${i}]`, unknown));
    return;
  }
  if (!isJsonObject(value)) return;
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  const additional = schema.additionalProperties;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    if ((root || embedded) && ROOT_PASSTHROUGH.has(key)) continue;
    const childSchema = isJsonObject(props[key])
      ? props[key]
      : isJsonObject(additional)
        ? additional
        : undefined;
    if (childSchema) pruneValue(value[key], childSchema, childPath(path, key), unknown);
    else if (additional === true || preservesUnknown(schema)) continue;
    else {
      unknown.push(childPath(path, key));
      delete value[key];
    }
  }
}

/** Drops nulls of non-nullable fields, then applies `default`s (recursing into defaulted values too). */
export function applyDefaults(obj: JsonObject, schema: JsonObject): void {
  defaultValue(obj, schema, true);
}

/** The schema of an object's field: its declared property, else additionalProperties, else none. */
function fieldSchema(schema: JsonObject, key: string): JsonObject | undefined {
  const declared = isJsonObject(schema.properties) ? schema.properties[key] : undefined;
  if (isJsonObject(declared)) return declared;
  return isJsonObject(schema.additionalProperties) ? schema.additionalProperties : undefined;
}

function defaultValue(value: JsonValue, schema: JsonObject, root = false): void {
  if (Array.isArray(value)) {
    if (isJsonObject(schema.items)) for (const item of value) defaultValue(item, schema.items);
    return;
  }
  if (!isJsonObject(value)) return;
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  for (const [key, propSchema] of Object.entries(props)) {
    if (!isJsonObject(propSchema) || (root && ROOT_PASSTHROUGH.has(key))) continue;
    if (value[key] === null && propSchema.nullable !== true) delete value[key];
    if (value[key] === undefined && propSchema.default !== undefined)
      value[key] = cloneJson(propSchema.default);
  }
  for (const [key, child] of Object.entries(value)) {
    if (root && ROOT_PASSTHROUGH.has(key)) continue;
    const childSchema = fieldSchema(schema, key);
    if (childSchema) defaultValue(child, childSchema);
  }
}

export type UnenforcedRule = UnevaluableRule;

/** Lists the x-kubernetes-validations rules this server cannot evaluate (they are skipped, not guessed). */
export function unenforcedRules(schema: JsonObject | undefined): UnenforcedRule[] {
  return unevaluableRules(schema);
}

export function validateAgainstSchema(
  obj: JsonObject,
  schema: JsonObject,
  old: JsonObject | undefined,
): StatusCause[] {
  const errors = structuralErrors(obj, schema).filter(shownError);
  const causes = errors.map(causeOf);
  const failed = causes.map((c) => c.field ?? '');
  validateLists(obj, schema, '', old, causes, failed, true);
  return causes;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Branch errors of anyOf/oneOf/not are summed up by their own keyword; a type error hides the rest there. */
function shownError(error: ErrorObject, _i: number, all: ErrorObject[]): boolean {
  if (/\/(anyOf|oneOf|not)\//.test(error.schemaPath)) return false;
  return (
    error.keyword === 'type' ||
    !all.some((e) => e.keyword === 'type' && e.instancePath === error.instancePath && e !== error)
  );
}

/** An ajv error as the apiserver words it (k8s.io/apiextensions-apiserver's validation messages). */
function causeOf(error: ErrorObject): StatusCause {
  const field = dottedPath(error.instancePath);
  const value = error.data as JsonValue;
  const params = error.params as Record<string, unknown>;
  const schema = (error.parentSchema ?? {}) as JsonObject;
  const limit = Number(params.limit);
  switch (error.keyword) {
    case 'required':
      return fieldError.required(childPath(field, String(params.missingProperty)));
    case 'type': {
      const actual = typeName(value);
      const type = schema['x-kubernetes-int-or-string'] === true ? 'integer or string' : String(params.type);
      return fieldError.typeInvalid(field, actual, `${field} in body must be of type ${type}: "${actual}"`);
    }
    case 'enum':
      return fieldError.notSupported(field, value, params.allowedValues as unknown[]);
    case 'minLength':
      return fieldError.invalid(field, value, `${field} in body should be at least ${limit} chars long`);
    case 'maxLength':
      return fieldError.tooLong(field, limit);
    case 'pattern':
      return fieldError.invalid(field, value, `${field} in body should match '${String(params.pattern)}'`);
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const exclusive =
        error.keyword.startsWith('exclusive') || params.comparison === '>' || params.comparison === '<';
      const rel = error.keyword.endsWith('inimum') ? 'greater than' : 'less than';
      return fieldError.invalid(
        field,
        value,
        `${field} in body should be ${rel}${exclusive ? '' : ' or equal to'} ${limit}`,
      );
    }
    case 'multipleOf':
      return fieldError.invalid(
        field,
        value,
        `${field} in body should be a multiple of ${String(params.multipleOf)}`,
      );
    case 'minItems':
      return fieldError.invalid(
        field,
        (value as JsonValue[]).length,
        `${field} in body should have at least ${limit} items`,
      );
    case 'maxItems':
      return fieldError.tooMany(field, (value as JsonValue[]).length, limit);
    case 'minProperties':
      return fieldError.invalid(
        field,
        Object.keys(value as JsonObject).length,
        `${field} in body should have at least ${limit} properties`,
      );
    case 'maxProperties':
      return fieldError.tooMany(field, Object.keys(value as JsonObject).length, limit);
    case 'anyOf':
      return fieldError.invalid(field, value, `${field} in body must validate at least one schema (anyOf)`);
    case 'oneOf':
      return fieldError.invalid(
        field,
        value,
        `${field} in body must validate one and only one schema (oneOf)`,
      );
    case 'not':
      return fieldError.invalid(field, value, `${field} in body must not validate the schema (not)`);
    default:
      return fieldError.invalid(
        field,
        value,
        `${field} in body ${error.message ?? `fails ${error.keyword}`}`,
      );
  }
}

/**
 * What JSON Schema has no keyword for: list-type set/map uniqueness, then the CEL rules of every node whose
 * value passed its structural validation (as in the apiserver), with old values correlated through object
 * fields and map-list keys for transition rules.
 */
function validateLists(
  value: JsonValue,
  schema: JsonObject,
  field: string,
  old: JsonValue | undefined,
  causes: StatusCause[],
  failed: string[],
  root = false,
): void {
  const before = causes.length;
  if (Array.isArray(value)) {
    const semantics = listSemanticsFromSchema(schema);
    value.forEach((item, i) => {
      const earlier = value.slice(0, i);
      if (semantics.type === 'set' && earlier.some((e) => jsonEqual(e, item)))
        causes.push(fieldError.duplicate(`${field}[${i}]`, item));
      if (semantics.type === 'map') {
        const key = itemKey(item, semantics.keys);
        if (key && earlier.some((e) => jsonEqual(itemKey(e, semantics.keys), key)))
          causes.push(fieldError.duplicate(`${field}[${i}]`, key));
      }
    });
    if (isJsonObject(schema.items)) {
      const oldList = Array.isArray(old) ? old : [];
      value.forEach((item, i) => {
        // Only keyed list items correlate with their previous value (for transition rules).
        let oldItem: JsonValue | undefined;
        if (semantics.type === 'map') {
          const key = itemKey(item, semantics.keys);
          oldItem = oldList.find((o) => key && jsonEqual(itemKey(o, semantics.keys), key));
        }
        validateLists(item, schema.items as JsonObject, `${field}[${i}]`, oldItem, causes, failed);
      });
    }
  } else if (isJsonObject(value)) {
    const oldObj = isJsonObject(old) ? old : undefined;
    for (const [key, child] of Object.entries(value)) {
      if (root && ROOT_PASSTHROUGH.has(key)) continue;
      const childSchema = fieldSchema(schema, key);
      if (childSchema)
        validateLists(child, childSchema, childPath(field, key), oldObj?.[key], causes, failed);
    }
  }
  const passed = !failed.some(
    (f) => f === field || field === '' || f.startsWith(`${field}.`) || f.startsWith(`${field}[`),
  );
  // CEL rules only run on values that passed their structural validation, as in the apiserver.
  if (value !== null && passed && causes.length === before) validateCel(value, schema, field, old, causes);
}

function celTypeName(value: JsonValue): string {
  if (isJsonObject(value)) return 'object';
  if (Array.isArray(value)) return 'array';
  return typeName(value);
}

function validateCel(
  value: JsonValue,
  schema: JsonObject,
  field: string,
  old: JsonValue | undefined,
  causes: StatusCause[],
): void {
  for (const v of nodeRuleViolations(value, schema, old, field))
    causes.push(celCause(v.reason, v.path, celTypeName(value), v.message));
}

function celCause(reason: string, field: string, type: string, message: string): StatusCause {
  switch (reason) {
    case 'FieldValueRequired':
      return fieldError.required(field, message);
    case 'FieldValueForbidden':
      return fieldError.forbidden(field, message);
    case 'FieldValueDuplicate':
      return { reason, field, message: `Duplicate value: "${type}": ${message}` };
    default:
      return fieldError.invalid(field, type, message);
  }
}
