// The message trace input's settings, declared once: validation reads these shapes and the puller's
// types are inferred from them (defaults applied). Names and ranges are the product documents'.
import { int, str, warn, type Rule, type Shape } from '../../config/schema.ts';
import type { InputSettings, ServiceSettings } from '../definition.ts';

export const TRACE_APIS = ['graph', 'reporting_web_service'] as const;
export type TraceApi = (typeof TRACE_APIS)[number];

/** Data can take up to 24 hours to show up in the API: read with a 25-hour delay by default. */
export const DEFAULT_DELAY_SECONDS = 25 * 3600;

export const traceCredentials = {
  tenant_id: { rule: str({ min: 1 }), required: true },
  client_id: { rule: str({ min: 1 }), required: true },
  client_secret: { rule: str({ min: 1, secret: true }), required: true },
} satisfies Shape;

const url = () => str({ pattern: /^https?:\/\/[^\s]+$/, patternHint: 'an http(s) URL' });

export const traceInputSettings = {
  max_historic_date_cutoff_days_back: {
    rule: int({ min: 1, max: 1_000_000 }),
    default: 10,
    doc: 'first run: start this many days back (Graph keeps 90, the Reporting Web Service 10)',
  },
  max_historic_date_margin_seconds: {
    rule: int({ min: 1, max: 86_400_000_000 }),
    default: 60,
    doc: 'the start moves this much later, so it is still inside the API limit when the request arrives',
  },
  override_base_url: {
    rule: url(),
    doc: 'API origin (default https://graph.microsoft.com, or https://reports.office365.com)',
  },
  override_login_url: { rule: url(), doc: 'login origin (default https://login.microsoftonline.com)' },
} satisfies Shape;

/** A whole number in range, with a warning below `advised` (the value the documents recommend). */
function intAdvised(opts: { min: number; max: number }, advised: number, why: string): Rule<number> {
  const base = int(opts);
  return {
    expected: base.expected,
    check(value, path, walk) {
      const n = base.check(value, path, walk);
      if (n !== undefined && n < advised) warn(walk, path, `${n} is below ${advised}: ${why}`);
      return n;
    },
  };
}

export const traceServiceSettings = {
  api: {
    rule: str({ oneOf: TRACE_APIS }),
    default: 'graph',
    doc: 'graph (messageTraces) or reporting_web_service (legacy MessageTrace, retiring from 2026-04-06)',
  },
  override_time_delay_in_seconds: {
    rule: intAdvised(
      { min: 1, max: 172_800 },
      DEFAULT_DELAY_SECONDS,
      'rows can take up to 24 hours to reach the API, so a shorter delay can lose events in large tenants',
    ),
    default: DEFAULT_DELAY_SECONDS,
    doc: 'read only rows older than this (default 25 hours)',
  },
  late_arrival_window_in_seconds: {
    rule: int({ min: 0, max: 864_000 }),
    default: 86_400,
    doc: 'our addition: each pull re-reads this much before the checkpoint, for rows that arrive or change status late',
  },
} satisfies Shape;

export type TraceInput = InputSettings<typeof traceInputSettings, typeof traceCredentials>;
export type TraceServiceSettings = ServiceSettings<typeof traceServiceSettings>;
