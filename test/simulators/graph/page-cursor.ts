// The paging cursor behind `$skiptoken`: the whole query plus the position and the data version the
// first page saw. It travels base64url-encoded inside `@odata.nextLink`, so no server state is kept.

import type { GraphService } from './endpoints.ts';
import { badRequest } from './graph-errors.ts';

export interface PageCursor {
  readonly service: GraphService;
  readonly filter: string | null;
  readonly order: 'asc' | 'desc';
  readonly top: number;
  readonly count: boolean;
  readonly select: readonly string[] | null;
  /** Data version the result set is pinned to (snapshot semantics). */
  readonly version: number;
  /** Index of the next record to serve in the sorted result set. */
  readonly offset: number;
  /** Pages served so far in this traversal, empty ones included. */
  readonly page: number;
  /** Pages with data served so far. */
  readonly dataPages: number;
  /** The page just served was an injected empty page (so two never follow each other). */
  readonly afterEmpty: boolean;
}

type Wire = [
  service: GraphService,
  filter: string | null,
  order: 'asc' | 'desc',
  top: number,
  count: 0 | 1,
  select: readonly string[] | null,
  version: number,
  offset: number,
  page: number,
  dataPages: number,
  afterEmpty: 0 | 1,
];

export function encodeCursor(c: PageCursor): string {
  const wire: Wire = [
    c.service,
    c.filter,
    c.order,
    c.top,
    c.count ? 1 : 0,
    c.select,
    c.version,
    c.offset,
    c.page,
    c.dataPages,
    c.afterEmpty ? 1 : 0,
  ];
  return Buffer.from(JSON.stringify(wire)).toString('base64url');
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Decodes a `$skiptoken` minted for `service`; anything else is a 400, like an unknown Graph token. */
export function decodeCursor(token: string, service: GraphService): PageCursor {
  const invalid = badRequest('Invalid $skiptoken: the token is either invalid or expired.');
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(wire) || wire.length !== 11) throw invalid;
  const [svc, filter, order, top, count, select, version, offset, page, dataPages, afterEmpty] =
    wire as unknown[];
  const selectOk = select === null || (Array.isArray(select) && select.every((s) => typeof s === 'string'));
  if (
    svc !== service ||
    !(filter === null || typeof filter === 'string') ||
    (order !== 'asc' && order !== 'desc') ||
    !isCount(top) ||
    top < 1 ||
    (count !== 0 && count !== 1) ||
    !selectOk ||
    ![version, offset, page, dataPages].every(isCount) ||
    (afterEmpty !== 0 && afterEmpty !== 1)
  ) {
    throw invalid;
  }
  return {
    service,
    filter,
    order,
    top,
    count: count === 1,
    select: select as readonly string[] | null,
    version: version as number,
    offset: offset as number,
    page: page as number,
    dataPages: dataPages as number,
    afterEmpty: afterEmpty === 1,
  };
}
