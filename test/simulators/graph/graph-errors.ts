// Graph's error envelope: {"error":{"code","message","innerError":{date, request-id, client-request-id}}}.

import { isoSeconds } from './time-format.ts';

/** A Graph error response a handler wants to send; thrown and turned into a response in one place. */
export class GraphError extends Error {
  override readonly name = 'GraphError';
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function badRequest(message: string): GraphError {
  return new GraphError(400, 'BadRequest', message);
}

export interface RequestIds {
  readonly requestId: string;
  readonly clientRequestId: string;
}

export function graphErrorBody(error: GraphError, ids: RequestIds, now: number): object {
  const innerError: Record<string, string> = {};
  if (error.status === 429) Object.assign(innerError, { code: '429', status: '429' });
  // Graph writes the date without a zone designator here.
  innerError['date'] = isoSeconds(now).slice(0, -1);
  innerError['request-id'] = ids.requestId;
  innerError['client-request-id'] = ids.clientRequestId;
  return { error: { code: error.code, message: error.message, innerError } };
}
