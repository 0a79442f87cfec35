// The two back ends behind office365_exchange_message_service, chosen by the service setting `api`:
// where to get a token, what to ask for, how far back and how wide a query may reach, how fast to go,
// and how to read a page. Everything else (windows, delay, dedup, checkpoints) is shared.
import type { TraceApi, TraceInput } from './settings.ts';
import type { ClientCredentials } from '../../core/http/oauth-client-credentials.ts';
import { GRAPH_TRACE_PATH, graphWindowUrl, parseGraphPage, type TracePage } from './graph-message-traces.ts';
import { parseReportingPage, REPORTING_TRACE_PATH, reportingWindowUrl } from './reporting-web-service.ts';

const DAY_MS = 86_400_000;
const LOGIN = 'https://login.microsoftonline.com/';
/**
 * One day per query, though Graph allows 10: the oldest window starts just inside the API's age limit,
 * and the fewer pages it has, the sooner its paging is done, before its start falls out of the limit.
 */
const QUERY_WINDOW_MS = DAY_MS;

export interface TraceBackend {
  api: TraceApi;
  /** For logs and errors: the collection this back end reads. */
  endpoint: string;
  token: ClientCredentials;
  /** The widest window one query asks for, and the oldest start the API accepts. */
  maxWindowMs: number;
  maxAgeMs: number;
  /** The API's request budget per tenant, when it has one. */
  budget?: { limit: number; windowMs: number };
  windowUrl(from: number, to: number): string;
  parsePage(body: unknown): TracePage;
}

function urls(input: TraceInput, defaultBase: string) {
  const base = (input.override_base_url ?? defaultBase)
    .replace(/\/+$/, '')
    // Accept a base that already names the service (as the old documents spelled the endpoint).
    .replace(/\/ecp\/reportingwebservice\/reporting\.svc(\/MessageTrace)?$/i, '');
  const login = (input.override_login_url ?? LOGIN).replace(/\/*$/, '/');
  const tenant = encodeURIComponent(input.credentials.tenant_id);
  return { base, login, tenant };
}

export function traceBackend(api: TraceApi, input: TraceInput): TraceBackend {
  const credentials = {
    clientId: input.credentials.client_id,
    clientSecret: input.credentials.client_secret,
  };
  if (api === 'graph') {
    const { base, login, tenant } = urls(input, 'https://graph.microsoft.com');
    return {
      api,
      endpoint: `${base}/${GRAPH_TRACE_PATH}`,
      token: {
        tokenUrl: `${login}${tenant}/oauth2/v2.0/token`,
        ...credentials,
        target: { scope: 'https://graph.microsoft.com/.default' },
      },
      maxWindowMs: QUERY_WINDOW_MS,
      maxAgeMs: 90 * DAY_MS,
      // 100 requests per 5-minute rolling window per tenant; keep 10 spare for an admin's own traces.
      budget: { limit: 90, windowMs: 5 * 60_000 },
      windowUrl: (from, to) => graphWindowUrl(base, from, to),
      parsePage: parseGraphPage,
    };
  }
  const { base, login, tenant } = urls(input, 'https://reports.office365.com');
  return {
    api,
    endpoint: `${base}/${REPORTING_TRACE_PATH}`,
    // The v1 endpoint and the Exchange Online resource, as the service's own set-up check uses.
    token: {
      tokenUrl: `${login}${tenant}/oauth2/token`,
      ...credentials,
      target: { resource: 'https://outlook.office365.com' },
    },
    maxWindowMs: QUERY_WINDOW_MS,
    maxAgeMs: 10 * DAY_MS,
    windowUrl: (from, to) => reportingWindowUrl(base, from, to),
    parsePage: parseReportingPage,
  };
}
