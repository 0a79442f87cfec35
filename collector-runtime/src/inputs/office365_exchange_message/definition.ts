// The office365_exchange_message input (Office 365 Exchange message tracing, collector 2.x settings):
// one service, office365_exchange_message_service, reading either Graph messageTraces (default) or the
// retiring Reporting Web Service MessageTrace. Facts: docs/sources/exchange-message-trace.md.
import type { InputConfig, InputDefinition, ServiceConfig, ServiceDefinition } from '../definition.ts';
import { fail, type Walk } from '../../config/schema.ts';
import { traceBackend } from './backends.ts';
import { createTracePuller } from './trace-puller.ts';
import { TRACE_STATE_VERSION, type TraceState } from './trace-state.ts';
import { MESSAGE_TRACE_TAG } from './trace-event.ts';
import {
  traceCredentials,
  traceInputSettings,
  traceServiceSettings,
  type TraceApi,
  type TraceInput,
} from './settings.ts';

const service: ServiceDefinition<TraceState, typeof traceServiceSettings, TraceInput> = {
  description: 'Message trace rows: one event per message, recipient and delivery status',
  settings: traceServiceSettings,
  // The start is always now minus max_historic_date_cutoff_days_back (an input setting).
  omit: ['start_time_in_utc'],
  defaultRequestPeriodSeconds: 300,
  minRequestPeriodSeconds: 1,
  defaultTags: [MESSAGE_TRACE_TAG],
  stateVersion: TRACE_STATE_VERSION,
  createPuller: createTracePuller,
};

const RETIRED_CREDENTIALS: Record<string, string> = { username: 'client_id', password: 'client_secret' };

/** Collector 1.x used basic authentication, which Microsoft has switched off: say what replaces it. */
function detectLegacy(raw: Record<string, unknown>, path: string, walk: Walk): void {
  const creds = raw.credentials;
  if (!creds || typeof creds !== 'object') return;
  for (const key of Object.keys(creds)) {
    const instead = RETIRED_CREDENTIALS[key];
    if (instead)
      fail(
        walk,
        `${path}.credentials.${key}`,
        `basic authentication (username/password) was retired in 2.0 and Microsoft no longer accepts it: remove username and password and set tenant_id, client_id and client_secret of an Entra ID app registration (OAuth2 client credentials); ${key} is replaced by ${instead}`,
      );
  }
}

function validate(input: InputConfig, path: string, walk: Walk): void {
  const { max_historic_date_cutoff_days_back: days, max_historic_date_margin_seconds: margin } =
    input as unknown as TraceInput;
  if (margin >= days * 86_400)
    fail(
      walk,
      `${path}.max_historic_date_margin_seconds`,
      `got ${margin}, which is not less than the cutoff of ${days} days (${days * 86_400} s): the first pull would start in the future; use a margin of a few minutes (default 60)`,
    );
}

export const office365ExchangeMessage: InputDefinition = {
  name: 'office365_exchange_message',
  stability: 'beta',
  description: 'Exchange Online message trace (Graph messageTraces, or the legacy Reporting Web Service)',
  credentials: traceCredentials,
  settings: traceInputSettings,
  services: { office365_exchange_message_service: service },
  detectLegacy,
  validate,
  tokenRequests: (input: InputConfig, services: readonly { config: ServiceConfig }[]) => {
    const apis = new Set(services.map((s) => (s.config.api ?? 'graph') as TraceApi));
    return [...apis].map((api) => traceBackend(api, input as unknown as TraceInput).token);
  },
};
