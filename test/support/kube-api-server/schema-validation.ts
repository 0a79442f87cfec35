// Custom resource handling against a CRD's structural openAPIV3Schema, in the apiserver's order:
// prune unknown fields → drop non-nullable nulls → apply defaults → validate (OpenAPI keywords, list-type
// uniqueness, then the CRD's CEL rules through operator/src/k8s/validation-rules.ts, the operator's own evaluator).

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
    const childSchema = isJsonObject(props[key])
      ? props[key]
      : isJsonObject(schema.additionalProperties)
        ? schema.additionalProperties
        : undefined;
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
  const causes: StatusCause[] = [];
  validateValue(obj, schema, '', old, causes, true);
  return causes;
}

function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function matchesType(value: JsonValue, schema: JsonObject): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) {
    return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  }
  if (value === null) return schema.nullable === true;
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isJsonObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function validateValue(
  value: JsonValue,
  schema: JsonObject,
  path: string,
  old: JsonValue | undefined,
  causes: StatusCause[],
  root = false,
): void {
  const field = path;
  if (!matchesType(value, schema)) {
    const actual = typeName(value);
    causes.push(
      fieldError.typeInvalid(
        field,
        actual,
        `${field} in body must be of type ${String(schema.type)}: "${actual}"`,
      ),
    );
    return;
  }
  if (value === null) return;
  const before = causes.length;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => jsonEqual(e, value))) {
    causes.push(fieldError.notSupported(field, value, schema.enum));
  }
  if (typeof value === 'string') validateString(value, schema, field, causes);
  if (typeof value === 'number') validateNumber(value, schema, field, causes);
  if (Array.isArray(value)) validateArray(value, schema, field, old, causes);
  if (isJsonObject(value)) validateObject(value, schema, field, old, causes, root);
  validateCombinators(value, schema, field, old, causes);
  // CEL rules only run on values that passed their structural validation, as in the apiserver.
  if (causes.length === before) validateCel(value, schema, field, old, causes);
}

function validateString(value: string, schema: JsonObject, field: string, causes: StatusCause[]): void {
  const length = [...value].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) {
    causes.push(
      fieldError.invalid(field, value, `${field} in body should be at least ${schema.minLength} chars long`),
    );
  }
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
    causes.push(fieldError.tooLong(field, schema.maxLength));
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    causes.push(fieldError.invalid(field, value, `${field} in body should match '${schema.pattern}'`));
  }
}

function validateNumber(value: number, schema: JsonObject, field: string, causes: StatusCause[]): void {
  if (typeof schema.minimum === 'number') {
    const exclusive = schema.exclusiveMinimum === true;
    if (exclusive ? value <= schema.minimum : value < schema.minimum) {
      const rel = exclusive ? 'greater than' : 'greater than or equal to';
      causes.push(fieldError.invalid(field, value, `${field} in body should be ${rel} ${schema.minimum}`));
    }
  }
  if (typeof schema.maximum === 'number') {
    const exclusive = schema.exclusiveMaximum === true;
    if (exclusive ? value >= schema.maximum : value > schema.maximum) {
      const rel = exclusive ? 'less than' : 'less than or equal to';
      causes.push(fieldError.invalid(field, value, `${field} in body should be ${rel} ${schema.maximum}`));
    }
  }
  if (typeof schema.multipleOf === 'number' && value % schema.multipleOf !== 0) {
    causes.push(
      fieldError.invalid(field, value, `${field} in body should be a multiple of ${schema.multipleOf}`),
    );
  }
}

function validateArray(
  value: JsonValue[],
  schema: JsonObject,
  field: string,
  old: JsonValue | undefined,
  causes: StatusCause[],
): void {
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
    causes.push(
      fieldError.invalid(
        field,
        value.length,
        `${field} in body should have at least ${schema.minItems} items`,
      ),
    );
  }
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    causes.push(fieldError.tooMany(field, value.length, schema.maxItems));
  }
  const semantics = listSemanticsFromSchema(schema);
  value.forEach((item, i) => {
    const earlier = value.slice(0, i);
    if (semantics.type === 'set' && earlier.some((e) => jsonEqual(e, item))) {
      causes.push(fieldError.duplicate(`${field}[${i}]`, item));
    }
    if (semantics.type === 'map') {
      const key = itemKey(item, semantics.keys);
      if (key && earlier.some((e) => jsonEqual(itemKey(e, semantics.keys), key))) {
        causes.push(fieldError.duplicate(`${field}[${i}]`, key));
      }
    }
  });
  if (!isJsonObject(schema.items)) return;
  const oldList = Array.isArray(old) ? old : [];
  value.forEach((item, i) => {
    // Only keyed list items correlate with their previous value (for transition rules).
    let oldItem: JsonValue | undefined;
    if (semantics.type === 'map') {
      const key = itemKey(item, semantics.keys);
      oldItem = oldList.find((o) => key && jsonEqual(itemKey(o, semantics.keys), key));
    }
    validateValue(item, schema.items as JsonObject, `${field}[${i}]`, oldItem, causes);
  });
}

function validateObject(
  value: JsonObject,
  schema: JsonObject,
  field: string,
  old: JsonValue | undefined,
  causes: StatusCause[],
  root: boolean,
): void {
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required)) {
    for (const key of schema.required) {
      if (value[String(key)] === undefined) causes.push(fieldError.required(childPath(field, String(key))));
    }
  }
  const count = Object.keys(value).length;
  if (typeof schema.minProperties === 'number' && count < schema.minProperties) {
    causes.push(
      fieldError.invalid(
        field,
        count,
        `${field} in body should have at least ${schema.minProperties} properties`,
      ),
    );
  }
  if (typeof schema.maxProperties === 'number' && count > schema.maxProperties) {
    causes.push(fieldError.tooMany(field, count, schema.maxProperties));
  }
  const oldObj = isJsonObject(old) ? old : undefined;
  for (const [key, child] of Object.entries(value)) {
    if (root && ROOT_PASSTHROUGH.has(key)) continue;
    const childSchema = isJsonObject(props[key])
      ? props[key]
      : isJsonObject(schema.additionalProperties)
        ? schema.additionalProperties
        : undefined;
    if (childSchema) validateValue(child, childSchema, childPath(field, key), oldObj?.[key], causes);
  }
}

function validateCombinators(
  value: JsonValue,
  schema: JsonObject,
  field: string,
  old: JsonValue | undefined,
  causes: StatusCause[],
): void {
  const passes = (sub: JsonValue): boolean => {
    if (!isJsonObject(sub)) return true;
    const scratch: StatusCause[] = [];
    validateValue(value, { ...sub, type: sub.type ?? schema.type }, field, old, scratch);
    return scratch.length === 0;
  };
  if (Array.isArray(schema.allOf)) {
    for (const sub of schema.allOf)
      if (isJsonObject(sub))
        validateValue(value, { ...sub, type: sub.type ?? schema.type }, field, old, causes);
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some(passes)) {
    causes.push(
      fieldError.invalid(field, value, `${field} in body must validate at least one schema (anyOf)`),
    );
  }
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter(passes).length !== 1) {
    causes.push(
      fieldError.invalid(field, value, `${field} in body must validate one and only one schema (oneOf)`),
    );
  }
  if (isJsonObject(schema.not) && passes(schema.not)) {
    causes.push(fieldError.invalid(field, value, `${field} in body must not validate the schema (not)`));
  }
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
