// Entra ID (AADSTS) token-endpoint error bodies, shaped like the real ones (docs/sources/microsoft-graph.md "Token endpoint bodies").

import { randomUUID } from 'node:crypto';

export interface AadstsError {
  readonly status: number;
  /** OAuth `error` value, e.g. invalid_client. */
  readonly error: string;
  /** AADSTS number, e.g. 7000215. */
  readonly code: number;
  readonly text: string;
}

export function aadsts(status: number, error: string, code: number, text: string): AadstsError {
  return { status, error, code, text };
}

/** `2024-05-01 10:00:00Z`, the format Entra uses in error bodies. */
function entraTimestamp(now: number): string {
  return `${new Date(Math.floor(now)).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function aadstsBody(e: AadstsError, now: number, correlationId: string = randomUUID()): object {
  const traceId = randomUUID();
  const timestamp = entraTimestamp(now);
  return {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${e.code}`,
  };
}
