// The legacy Reporting Web Service report `MessageTrace` (retiring from 2026-04-06): OData $filter on
// StartDate/EndDate (both given), JSON in either of its two shapes: "light" (`value` +
// `odata.nextLink`) or "verbose" (`d.results` + `__next`, dates as `/Date(ms)/`).
import { fromReportingWebService } from './trace-event.ts';
import { collect, odataSeconds, type TracePage } from './graph-message-traces.ts';

export const REPORTING_TRACE_PATH = 'ecp/reportingwebservice/reporting.svc/MessageTrace';

export function reportingWindowUrl(baseUrl: string, from: number, to: number): string {
  const params = new URLSearchParams({
    $format: 'json',
    $filter: `StartDate eq datetime'${odataSeconds(from)}' and EndDate eq datetime'${odataSeconds(to)}'`,
  });
  return `${baseUrl}/${REPORTING_TRACE_PATH}?${params.toString().replace(/\+/g, '%20')}`;
}

export function parseReportingPage(body: unknown): TracePage {
  const b = (body ?? {}) as {
    value?: unknown;
    'odata.nextLink'?: unknown;
    d?: { results?: unknown; __next?: unknown } | unknown[];
  };
  if (b.d !== undefined && b.d !== null) {
    // Verbose OData: {"d":{"results":[…],"__next":"…"}} (OData v1 answers {"d":[…]}).
    const d = b.d as { results?: unknown; __next?: unknown };
    const rows = Array.isArray(b.d) ? b.d : Array.isArray(d.results) ? d.results : [];
    return collect(rows, fromReportingWebService, Array.isArray(b.d) ? undefined : d.__next);
  }
  return collect(Array.isArray(b.value) ? b.value : [], fromReportingWebService, b['odata.nextLink']);
}
