// OData query URLs for a time window. Time literals are unquoted ISO 8601; the user's additional_filter
// is ANDed in parentheses so its own "or" cannot widen the window.

export interface WindowQuery {
  baseUrl: string;
  version: string;
  path: string;
  timeField: string;
  from: string;
  to: string;
  /** `ge` normally; `gt` to step past a run of identical timestamps (alerts_v2 boundary paging). */
  fromOp?: 'ge' | 'gt';
  additionalFilter?: string;
  extraClause?: string;
  top: number;
  orderBy?: boolean;
}

export function windowUrl(q: WindowQuery): string {
  const clauses = [`${q.timeField} ${q.fromOp ?? 'ge'} ${q.from}`, `${q.timeField} lt ${q.to}`];
  if (q.extraClause) clauses.push(q.extraClause);
  if (q.additionalFilter) clauses.push(`(${q.additionalFilter})`);
  const params = new URLSearchParams({ $filter: clauses.join(' and '), $top: String(q.top) });
  if (q.orderBy) params.set('$orderby', `${q.timeField} asc`);
  return `${q.baseUrl}/${q.version}/${q.path}?${params.toString().replace(/\+/g, '%20')}`;
}

export function collectionUrl(q: {
  baseUrl: string;
  version: string;
  path: string;
  top: number;
  additionalFilter?: string;
}): string {
  const params = new URLSearchParams({ $top: String(q.top) });
  if (q.additionalFilter) params.set('$filter', q.additionalFilter);
  return `${q.baseUrl}/${q.version}/${q.path}?${params.toString().replace(/\+/g, '%20')}`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
