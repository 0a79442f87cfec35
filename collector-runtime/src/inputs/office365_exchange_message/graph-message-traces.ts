// Graph `GET /v1.0/admin/exchange/tracing/messageTraces`: both receivedDateTime bounds (inclusive), at most
// 10 days per query and 90 days back, $top up to 5000, @odata.nextLink followed verbatim.
import { fromGraph, type TraceEvent } from './trace-event.ts';

export const GRAPH_TRACE_PATH = 'v1.0/admin/exchange/tracing/messageTraces';
export const GRAPH_MAX_TOP = 5000;

/** Seconds precision with Z, unquoted: the literal form the API documents. */
export function odataSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

export function graphWindowUrl(baseUrl: string, from: number, to: number, top = GRAPH_MAX_TOP): string {
  const params = new URLSearchParams({
    $filter: `receivedDateTime ge ${odataSeconds(from)} and receivedDateTime le ${odataSeconds(to)}`,
    $top: String(top),
  });
  return `${baseUrl}/${GRAPH_TRACE_PATH}?${params.toString().replace(/\+/g, '%20')}`;
}

export interface TracePage {
  events: TraceEvent[];
  /** Rows without a trace id, recipient or received time: counted and logged, never sent. */
  malformed: number;
  next: string | undefined;
}

export function parseGraphPage(body: unknown): TracePage {
  const b = (body ?? {}) as { value?: unknown; '@odata.nextLink'?: unknown };
  return collect(Array.isArray(b.value) ? b.value : [], fromGraph, b['@odata.nextLink']);
}

export function collect(
  rows: unknown[],
  map: (r: Record<string, unknown>) => TraceEvent | undefined,
  next: unknown,
): TracePage {
  const events: TraceEvent[] = [];
  let malformed = 0;
  for (const r of rows) {
    const e = r && typeof r === 'object' ? map(r as Record<string, unknown>) : undefined;
    if (e) events.push(e);
    else malformed++;
  }
  return { events, malformed, next: typeof next === 'string' && next !== '' ? next : undefined };
}
