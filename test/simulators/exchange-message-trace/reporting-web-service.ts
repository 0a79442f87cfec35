// The legacy Reporting Web Service report `MessageTrace` (OData v3): $filter on StartDate/EndDate
// (both or neither; neither = the last 48 hours), 2000-row server pages with a numeric $skiptoken, and
// the two JSON shapes seen in the field: "light" (`value` + `odata.nextLink`) and "verbose"
// (`d.results` + `__next`, dates as `/Date(ms)/`).

import { statusAt, type TraceRow, type TraceRows } from './trace-rows.ts';
import type { TimeWindow } from './graph-message-traces.ts';

export type LegacyShape = 'light' | 'verbose';

export const LEGACY_PAGE_SIZE = 2000;
export const LEGACY_MAX_AGE_MS = 10 * 86_400_000;
const DEFAULT_SPAN_MS = 48 * 3_600_000;

export const LEGACY_MESSAGES = {
  tooOld: "Invalid StartDate value. The StartDate can't be older than 10 days from today.",
  oneBound: 'StartDate and EndDate must be specified together.',
  badDate: 'The query parameter $filter is not valid: unrecognised datetime literal.',
  noPermission: 'No permission to access the report for the organization.',
} as const;

/** An OData v3 error the server answers with. */
export class ReportingError extends Error {
  override readonly name = 'ReportingError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function reportingErrorBody(err: ReportingError, shape: LegacyShape): object {
  const error = { code: '', message: { lang: 'en-US', value: err.message } };
  return shape === 'light' ? { 'odata.error': error } : { error };
}

const BOUND = /\b(StartDate|EndDate)\s+eq\s+datetime'([^']*)'/gi;

export function legacyWindow(filter: string | null, now: number): TimeWindow {
  let from: number | undefined;
  let to: number | undefined;
  for (const m of (filter ?? '').matchAll(BOUND)) {
    const t = Date.parse(/Z|[+-]\d\d:\d\d$/.test(m[2]!) ? m[2]! : `${m[2]}Z`);
    if (Number.isNaN(t)) throw new ReportingError(400, LEGACY_MESSAGES.badDate);
    if (m[1]!.toLowerCase() === 'startdate') from = t;
    else to = t;
  }
  if (from === undefined && to === undefined) return { from: now - DEFAULT_SPAN_MS, to: now };
  if (from === undefined || to === undefined) throw new ReportingError(400, LEGACY_MESSAGES.oneBound);
  if (from < now - LEGACY_MAX_AGE_MS) throw new ReportingError(400, LEGACY_MESSAGES.tooOld);
  return { from, to };
}

const msDate = (ms: number) => `/Date(${ms})/`;
/** `2024-05-01T10:15:02.1230000`: 7 fractional digits and no Z, though it is UTC. */
const ticks = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}0000`;

function legacyRecord(
  row: TraceRow,
  index: number,
  window: TimeWindow,
  domain: string,
  shape: LegacyShape,
  now: number,
  metadataBase: string,
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    Organization: domain,
    MessageId: row.messageId,
    Received: shape === 'light' ? ticks(row.received) : msDate(row.received),
    SenderAddress: row.sender,
    RecipientAddress: row.recipient,
    Subject: row.subject,
    Status: statusAt(row, now),
    ToIP: row.toIP === '' ? null : row.toIP,
    FromIP: row.fromIP,
    Size: row.size,
    MessageTraceId: row.traceId,
    StartDate: shape === 'light' ? new Date(window.from).toISOString() : msDate(window.from),
    EndDate: shape === 'light' ? new Date(window.to).toISOString() : msDate(window.to),
    Index: index,
  };
  if (shape === 'light') return record;
  const uri = `${metadataBase}/MessageTrace(${index})`;
  return { __metadata: { id: uri, uri, type: 'TenantReporting.MessageTrace' }, ...record };
}

export interface LegacyPage {
  body: Record<string, unknown>;
  window: TimeWindow;
}

export function messageTracePage(
  rows: TraceRows,
  url: URL,
  publicBase: string,
  shape: LegacyShape,
  now: number,
  pageSize = LEGACY_PAGE_SIZE,
): LegacyPage {
  const params = url.searchParams;
  const window = legacyWindow(params.get('$filter'), now);
  const skip = Number(params.get('$skiptoken') ?? 0);
  const topText = params.get('$top');
  const top = Math.min(pageSize, topText === null ? pageSize : Math.max(1, Number(topText) || pageSize));
  const matching = rows.visible(now, window.from, window.to);
  const page = matching.slice(skip, skip + top);
  const serviceBase = `${publicBase}${url.pathname.replace(/\/MessageTrace\/?$/i, '')}`;
  const records = page.map((r, i) => legacyRecord(r, skip + i, window, rows.domain, shape, now, serviceBase));
  let next: string | undefined;
  if (skip + top < matching.length) {
    const u = new URL(url.pathname, publicBase);
    for (const [k, v] of params) if (k !== '$skiptoken') u.searchParams.set(k, v);
    u.searchParams.set('$skiptoken', String(skip + top));
    next = u.toString();
  }
  const body: Record<string, unknown> =
    shape === 'light'
      ? {
          'odata.metadata': `${serviceBase}/$metadata#MessageTrace`,
          value: records,
          ...(next ? { 'odata.nextLink': next } : {}),
        }
      : { d: { results: records, ...(next ? { __next: next } : {}) } };
  return { body, window };
}
