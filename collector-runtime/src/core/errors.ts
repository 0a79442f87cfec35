// One error type per failure, each with a stable `code`: callers branch on the code, never on message text.

export type CollectorErrorCode =
  | 'CR_ERR_CONFIG_INVALID'
  | 'CR_ERR_CONFIG_READ'
  | 'CR_ERR_INPUT_AUTH'
  | 'CR_ERR_INPUT_SETUP'
  | 'CR_ERR_INPUT_INIT'
  | 'CR_ERR_API'
  | 'CR_ERR_STATE_CORRUPT'
  | 'CR_ERR_STATE_IO'
  | 'CR_ERR_OUTPUT_TLS'
  | 'CR_ERR_OUTPUT_CONNECT'
  | 'CR_ERR_STARTUP'
  | 'CR_ERR_SHUTDOWN';

export class CollectorError extends Error {
  readonly code: CollectorErrorCode;
  readonly retryable: boolean;
  constructor(
    code: CollectorErrorCode,
    message: string,
    opts: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CollectorError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
  }
}

/** A problem found while validating configuration: where, what was found (secrets masked), what is expected. */
export interface ConfigProblem {
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export class ConfigError extends CollectorError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], source = 'configuration') {
    const errors = problems.filter((p) => p.severity === 'error');
    super(
      'CR_ERR_CONFIG_INVALID',
      `${source} has ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n` +
        errors.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * An HTTP API answered with an error status, or a body that cannot be used. The message never quotes the body
 * (it may hold user names and addresses): only an OData error's code and message, else its length and type.
 * The body itself stays on the error for callers that parse it, but is not enumerable, so loggers skip it.
 */
export class ApiError extends CollectorError {
  readonly status: number;
  readonly endpoint: string;
  declare readonly body: string;
  constructor(
    status: number,
    endpoint: string,
    body: string,
    retryable: boolean,
    contentType?: string | string[],
    problem?: string,
  ) {
    super(
      'CR_ERR_API',
      `error during API call to ${endpoint}: HTTP ${status}${problem ? ` ${problem}` : ''} ${describeBody(body, contentType)}`,
      { retryable },
    );
    this.name = 'ApiError';
    this.status = status;
    this.endpoint = endpoint;
    Object.defineProperty(this, 'body', { value: body, enumerable: false });
  }
}

/** What may be said about a response body in a message: an OData error's code and text, else size and type. */
function describeBody(body: string, contentType?: string | string[]): string {
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (e && typeof e === 'object' && (typeof e.code === 'string' || typeof e.message === 'string'))
      return truncate([e.code, e.message].filter((x) => typeof x === 'string').join(': '), 500);
  } catch {
    /* not JSON */
  }
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  return `(${Buffer.byteLength(body)} bytes of ${type ?? 'no content type'})`;
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters)`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
