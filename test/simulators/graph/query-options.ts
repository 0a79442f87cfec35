// Turns a collection request's OData query options into the cursor of its first page, validating
// them the way Graph does (400 BadRequest with a readable message).

import type { GraphEndpoint } from './endpoints.ts';
import { checkFilter, FilterSemanticError } from './filter-match.ts';
import { badRequest } from './graph-errors.ts';
import { FilterSyntaxError, parseFilter, type FilterNode } from './odata-filter.ts';
import { decodeCursor, type PageCursor } from './page-cursor.ts';

export interface QueryContext {
  readonly endpoint: GraphEndpoint;
  /** Server page size cap. */
  readonly pageSize: number;
  readonly properties: ReadonlySet<string>;
  /** Current data version, pinned into a new cursor. */
  readonly version: number;
}

const KNOWN = new Set(['$filter', '$top', '$skip', '$orderby', '$count', '$select', '$skiptoken']);
const DEFAULT_TOP = 100;

/** Parses and checks a `$filter` for `endpoint`; throws a 400 GraphError on any problem. */
export function parseEndpointFilter(
  text: string,
  ctx: Pick<QueryContext, 'endpoint' | 'properties'>,
): FilterNode {
  try {
    const node = parseFilter(text);
    const { entityType, filterable, eqOnly } = ctx.endpoint;
    checkFilter(node, { entityType, properties: ctx.properties, filterable, eqOnly });
    return node;
  } catch (err) {
    if (err instanceof FilterSyntaxError || err instanceof FilterSemanticError) {
      throw badRequest(`Invalid filter clause: ${err.message}`);
    }
    throw err;
  }
}

function optionMap(params: URLSearchParams): Map<string, string> {
  const options = new Map<string, string>();
  for (const [rawKey, value] of params) {
    const key = rawKey.toLowerCase();
    if (!key.startsWith('$')) continue; // Graph ignores non-OData parameters
    if (!KNOWN.has(key)) throw badRequest(`Query option '${rawKey}' is not supported.`);
    if (options.has(key))
      throw badRequest(
        `Query option '${rawKey}' was specified more than once, it must be specified at most once.`,
      );
    options.set(key, value);
  }
  return options;
}

function parseTop(raw: string | undefined, ctx: QueryContext): number {
  const cap = Math.min(ctx.pageSize, ctx.endpoint.maxTop ?? Number.POSITIVE_INFINITY);
  if (raw === undefined) return Math.min(DEFAULT_TOP, cap);
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw badRequest(
      `Invalid value '${raw}' for $top query option found. The $top query option requires a positive integer value.`,
    );
  }
  return Math.min(Number(raw), cap); // larger values are clamped, not rejected
}

function parseSkip(raw: string | undefined, endpoint: GraphEndpoint): number {
  if (raw === undefined) return 0;
  if (endpoint.maxSkip === null)
    throw badRequest(`Query option '$skip' is not supported on '${endpoint.entitySet}'.`);
  if (!/^\d+$/.test(raw)) throw badRequest(`Invalid value '${raw}' for $skip query option found.`);
  const skip = Number(raw);
  if (skip > endpoint.maxSkip) {
    throw badRequest(`Invalid $skip value '${raw}': the maximum allowed value is ${endpoint.maxSkip}.`);
  }
  return skip;
}

function parseOrderBy(raw: string | undefined, endpoint: GraphEndpoint): 'asc' | 'desc' {
  if (raw === undefined) return endpoint.defaultOrder;
  const m = /^\s*([A-Za-z_][A-Za-z0-9_/]*)(?:\s+(asc|desc))?\s*$/.exec(raw);
  if (m === null)
    throw badRequest(`Invalid $orderby clause '${raw}': expected '<property> asc' or '<property> desc'.`);
  if (endpoint.timeField === null || m[1] !== endpoint.timeField) {
    const allowed = endpoint.timeField === null ? 'no property' : `only '${endpoint.timeField}'`;
    throw badRequest(
      `Ordering by '${m[1]}' is not supported on '${endpoint.entitySet}'; ${allowed} can be used in $orderby.`,
    );
  }
  return m[2] === 'desc' ? 'desc' : 'asc';
}

function parseSelect(raw: string | undefined, ctx: QueryContext): string[] | null {
  if (raw === undefined) return null;
  if (!ctx.endpoint.selectAllowed)
    throw badRequest(`Query option '$select' is not allowed on '${ctx.endpoint.entitySet}'.`);
  const names = raw.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!ctx.properties.has(name)) {
      throw badRequest(`Could not find a property named '${name}' on type '${ctx.endpoint.entityType}'.`);
    }
  }
  return names;
}

export function firstCursor(params: URLSearchParams, ctx: QueryContext): PageCursor {
  const options = optionMap(params);
  const skipToken = options.get('$skiptoken');
  // A nextLink carries the whole query in its token; other options beside it are ignored, as in Graph.
  if (skipToken !== undefined) return decodeCursor(skipToken, ctx.endpoint.service);
  const count = options.get('$count');
  if (count !== undefined && count !== 'true' && count !== 'false') {
    throw badRequest(
      `Invalid value '${count}' for $count query option found. Valid values are 'true' and 'false'.`,
    );
  }
  const filterText = options.get('$filter')?.trim() || null;
  if (filterText !== null) parseEndpointFilter(filterText, ctx);
  return {
    service: ctx.endpoint.service,
    filter: filterText,
    order: parseOrderBy(options.get('$orderby'), ctx.endpoint),
    top: parseTop(options.get('$top'), ctx),
    count: count === 'true',
    select: parseSelect(options.get('$select'), ctx),
    version: ctx.version,
    offset: parseSkip(options.get('$skip'), ctx.endpoint),
    page: 0,
    dataPages: 0,
    afterEmpty: false,
  };
}
