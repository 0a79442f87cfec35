// GET /{v1.0|beta}/admin/exchange/tracing/messageTraces: the receivedDateTime window rules (both bounds,
// ≤ 10 days, ≤ 90 days back, end ≤ now), $top 1..5000 (default 1000) and opaque @odata.nextLink paging.
// Error wording: the window messages are Exchange's own (as returned by Get-MessageTraceV2); the rest
// follow Graph's BadRequest style.

import { badRequest } from '../graph/graph-errors.ts';
import { compareRows, statusAt, type TraceRow, type TraceRows } from './trace-rows.ts';

export const GRAPH_MAX_WINDOW_MS = 10 * 86_400_000;
export const GRAPH_MAX_AGE_MS = 90 * 86_400_000;
export const GRAPH_DEFAULT_TOP = 1000;
export const GRAPH_MAX_TOP = 5000;
/** Without a time filter the API answers for the last 48 hours. */
const DEFAULT_SPAN_MS = 48 * 3_600_000;

export const GRAPH_MESSAGES = {
  tooLong:
    "|System.ArgumentException|The interval between StartDate and EndDate can't be longer than 10 days.",
  tooOld: "Invalid StartDate value. The StartDate can't be older than 90 days from today.",
  future: "Invalid EndDate value. The EndDate can't be later than the current time.",
  oneBound: 'Invalid filter clause: receivedDateTime needs both a lower (ge) and an upper (le) bound.',
  badTop: `Invalid value for $top: it must be between 1 and ${GRAPH_MAX_TOP}.`,
  badToken: 'Invalid $skiptoken value.',
} as const;

export interface TimeWindow {
  from: number;
  to: number;
}

const BOUND = /receivedDateTime\s+(ge|gt|le|lt)\s+(\d{4}-\d{2}-\d{2}T[0-9:.]+Z)/gi;

/** The receivedDateTime bounds of a Graph $filter; undefined when it has none. Throws GraphError. */
export function graphWindow(filter: string | null, now: number): TimeWindow {
  let from: number | undefined;
  let to: number | undefined;
  for (const m of (filter ?? '').matchAll(BOUND)) {
    const t = Date.parse(m[2]!);
    if (Number.isNaN(t)) throw badRequest(`Invalid filter clause: '${m[2]}' is not a valid DateTimeOffset.`);
    const op = m[1]!.toLowerCase();
    if (op === 'ge') from = t;
    else if (op === 'gt') from = t + 1;
    else if (op === 'le') to = t;
    else to = t - 1;
  }
  if (from === undefined && to === undefined) return { from: now - DEFAULT_SPAN_MS, to: now };
  if (from === undefined || to === undefined) throw badRequest(GRAPH_MESSAGES.oneBound);
  if (to - from > GRAPH_MAX_WINDOW_MS) throw badRequest(GRAPH_MESSAGES.tooLong);
  if (from < now - GRAPH_MAX_AGE_MS) throw badRequest(GRAPH_MESSAGES.tooOld);
  if (to > now) throw badRequest(GRAPH_MESSAGES.future);
  return { from, to };
}

/** Graph's rendering of a row: camelCase status, receivedDateTime to the second with Z. */
export function graphRecord(row: TraceRow, now: number): Record<string, unknown> {
  const status = statusAt(row, now);
  return {
    '@odata.type': '#microsoft.graph.exchangeMessageTrace',
    id: row.traceId,
    senderAddress: row.sender,
    recipientAddress: row.recipient,
    messageId: row.messageId,
    receivedDateTime: `${new Date(row.received).toISOString().slice(0, 19)}Z`,
    subject: row.subject,
    size: row.size,
    fromIP: row.fromIP,
    toIP: row.toIP,
    status: status[0]!.toLowerCase() + status.slice(1),
  };
}

type Cursor = [received: number, traceId: string, recipient: string];

const encodeCursor = (row: TraceRow): string =>
  Buffer.from(JSON.stringify([row.received, row.traceId, row.recipient] satisfies Cursor)).toString(
    'base64url',
  );

function decodeCursor(token: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(c) && c.length === 3 && typeof c[0] === 'number') return c as Cursor;
  } catch {
    /* reported below */
  }
  throw badRequest(GRAPH_MESSAGES.badToken);
}

export interface GraphPage {
  body: Record<string, unknown>;
  window: TimeWindow;
}

/** One page of the answer: keyset paging, so rows that appear meanwhile never shift later pages. */
export function messageTracesPage(
  rows: TraceRows,
  url: URL,
  publicBase: string,
  version: string,
  now: number,
  /** The server may return fewer rows than $top asks for (and say so with a nextLink). */
  maxPageSize = GRAPH_MAX_TOP,
): GraphPage {
  const params = url.searchParams;
  const topText = params.get('$top');
  const top = topText === null ? GRAPH_DEFAULT_TOP : Number(topText);
  if (!Number.isInteger(top) || top < 1 || top > GRAPH_MAX_TOP) throw badRequest(GRAPH_MESSAGES.badTop);
  const window = graphWindow(params.get('$filter'), now);
  const token = params.get('$skiptoken') ?? params.get('$skipToken');
  let matching = rows.visible(now, window.from, window.to);
  if (token !== null) {
    const [received, traceId, recipient] = decodeCursor(token);
    const after = { received, traceId, recipient } as TraceRow;
    matching = matching.filter((r) => compareRows(r, after) > 0);
  }
  const size = Math.min(top, maxPageSize);
  const page = matching.slice(0, size);
  const body: Record<string, unknown> = {
    '@odata.context': `${publicBase}/${version}/$metadata#admin/exchange/tracing/messageTraces`,
    value: page.map((r) => graphRecord(r, now)),
  };
  if (matching.length > size) {
    const next = new URL(url.pathname, publicBase);
    for (const [k, v] of params) if (k !== '$skiptoken' && k !== '$skipToken') next.searchParams.set(k, v);
    next.searchParams.set('$skiptoken', encodeCursor(page.at(-1)!));
    body['@odata.nextLink'] = next.toString();
  }
  return { body, window };
}
