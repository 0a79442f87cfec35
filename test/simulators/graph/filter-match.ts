// Checks a parsed `$filter` against an entity's properties (as Graph does before running it) and
// evaluates it against records.

import type { CompareOp, FilterLiteral, FilterNode } from './odata-filter.ts';
import type { GraphRecord } from './record-context.ts';
import { timeKey } from './time-format.ts';

export interface FilterSchema {
  readonly entityType: string;
  readonly properties: ReadonlySet<string>;
  /** Only these top-level properties may be filtered on; null = any. */
  readonly filterable: readonly string[] | null;
  readonly eqOnly: boolean;
}

export class FilterSemanticError extends Error {
  override readonly name = 'FilterSemanticError';
}

const OP_KIND: Record<CompareOp, string> = {
  eq: 'Equal',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
};

// Graph's date-time properties all end in "DateTime"; good enough to type-check literals.
function isDateTimeProperty(path: readonly string[]): boolean {
  return (path.at(-1) ?? '').endsWith('DateTime');
}

function edmType(literal: FilterLiteral): string {
  switch (literal.type) {
    case 'string':
      return 'Edm.String';
    case 'number':
      return Number.isInteger(literal.value) ? 'Edm.Int32' : 'Edm.Double';
    case 'boolean':
      return 'Edm.Boolean';
    case 'datetime':
      return 'Edm.DateTimeOffset';
    case 'null':
      return 'null';
  }
}

function checkComparison(path: readonly string[], op: CompareOp, value: FilterLiteral): void {
  const dateTime = isDateTimeProperty(path);
  if (value.type !== 'null' && dateTime !== (value.type === 'datetime')) {
    const left = dateTime ? 'Edm.DateTimeOffset' : value.type === 'datetime' ? 'Edm.String' : edmType(value);
    throw new FilterSemanticError(
      `A binary operator with incompatible types was detected. Found operand types '${left}' and '${edmType(value)}' for operator kind '${OP_KIND[op]}'.`,
    );
  }
  if (op !== 'eq' && value.type !== 'datetime' && value.type !== 'number') {
    throw new FilterSemanticError(`The operator '${op}' is only supported for date-time and numeric values.`);
  }
}

/** Throws FilterSemanticError when the filter names unknown properties or mixes types. */
export function checkFilter(node: FilterNode, schema: FilterSchema): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      checkFilter(node.left, schema);
      checkFilter(node.right, schema);
      return;
    case 'compare':
    case 'any': {
      const property = node.path[0] ?? '';
      if (!schema.properties.has(property)) {
        throw new FilterSemanticError(
          `Could not find a property named '${property}' on type '${schema.entityType}'.`,
        );
      }
      if (schema.filterable !== null && !schema.filterable.includes(property)) {
        throw new FilterSemanticError(
          `Filtering on '${property}' is not supported. Supported properties: ${schema.filterable.join(', ')}.`,
        );
      }
      if (node.kind === 'compare') {
        if (schema.eqOnly && node.op !== 'eq') {
          throw new FilterSemanticError(`Only the 'eq' operator is supported on '${schema.entityType}'.`);
        }
        checkComparison(node.path, node.op, node.value);
        return;
      }
      if (schema.eqOnly)
        throw new FilterSemanticError(`Lambda operators are not supported on '${schema.entityType}'.`);
      checkLambdaBody(node.body, node.variable);
      return;
    }
  }
}

function checkLambdaBody(node: FilterNode, variable: string): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      checkLambdaBody(node.left, variable);
      checkLambdaBody(node.right, variable);
      return;
    case 'any':
      throw new FilterSemanticError('Nested lambda operators are not supported.');
    case 'compare':
      if (node.path[0] !== variable) {
        throw new FilterSemanticError(
          `'${node.path.join('/')}' inside the lambda must start with its range variable '${variable}'.`,
        );
      }
      checkComparison(node.path.length === 1 ? ['element'] : node.path, node.op, node.value);
  }
}

/** True when the filter mentions `property` anywhere (e.g. signInEventTypes on beta sign-ins). */
export function filterMentions(node: FilterNode, property: string): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return filterMentions(node.left, property) || filterMentions(node.right, property);
    case 'compare':
    case 'any':
      return node.path[0] === property;
  }
}

function valueAt(target: unknown, path: readonly string[]): unknown {
  let value = target;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function compare(actual: unknown, op: CompareOp, literal: FilterLiteral, knownKey?: string): boolean {
  let left: string | number;
  let right: string | number;
  switch (literal.type) {
    case 'null':
      return op === 'eq' && (actual === null || actual === undefined);
    case 'boolean':
      return op === 'eq' && actual === literal.value;
    case 'string':
      return op === 'eq' && actual === literal.value;
    case 'number':
      if (typeof actual !== 'number') return false;
      left = actual;
      right = literal.value;
      break;
    case 'datetime': {
      const key = knownKey ?? (typeof actual === 'string' ? timeKey(actual) : null);
      if (key === null) return false;
      left = key;
      right = literal.key;
      break;
    }
  }
  switch (op) {
    case 'eq':
      return left === right;
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}

/** Evaluation context: the indexed time field's precomputed key avoids re-parsing it per record. */
export interface IndexedTime {
  readonly field: string;
  readonly key: string;
}

export function matchesFilter(node: FilterNode, record: GraphRecord, indexed?: IndexedTime): boolean {
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, record, indexed) && matchesFilter(node.right, record, indexed);
    case 'or':
      return matchesFilter(node.left, record, indexed) || matchesFilter(node.right, record, indexed);
    case 'compare': {
      const known = indexed !== undefined && node.path.length === 1 && node.path[0] === indexed.field;
      return compare(valueAt(record, node.path), node.op, node.value, known ? indexed.key : undefined);
    }
    case 'any': {
      const items = valueAt(record, node.path);
      return Array.isArray(items) && items.some((item) => matchesElement(node.body, item));
    }
  }
}

function matchesElement(node: FilterNode, item: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return matchesElement(node.left, item) && matchesElement(node.right, item);
    case 'or':
      return matchesElement(node.left, item) || matchesElement(node.right, item);
    case 'any':
      return false;
    case 'compare':
      return compare(valueAt(item, node.path.slice(1)), node.op, node.value);
  }
}
