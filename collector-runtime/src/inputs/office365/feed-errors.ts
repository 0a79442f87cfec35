// The Management Activity API's errors as the product's error table words them (ApiError 400/401/429/
// 500/other), with the AF code and what to do about it.
import { ApiError, CollectorError } from '../../core/errors.ts';

/** The AF code of an API error body (`{"error":{"code":"AF20024",…}}`), if any. */
export function afCode(err: ApiError): string | undefined {
  try {
    const body = JSON.parse(err.body) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : undefined;
  } catch {
    return /\b(AF\d{3,5})\b/.exec(err.body)?.[1];
  }
}

const HINTS: Readonly<Record<string, string>> = {
  AF10001:
    'grant the application the Office 365 Management APIs permission ActivityFeed.Read (and ActivityFeed.ReadDlp for DLP.All) with admin consent',
  AF20010: 'the tenant_id does not match the token: check tenant_id and the cloud setting',
  AF20020: 'the content type is not valid for this tenant',
  AF20030:
    'the content window broke the API rules (≤ 24 h, start within 7 days): check the clock of this host',
  AF20055:
    'the content window broke the API rules (≤ 24 h, start within 7 days): check the clock of this host',
};

const WORDING: Readonly<Record<number, string>> = {
  400: 'HTTP ERROR 400: Bad request: The server could not understand the request.',
  401: 'HTTP ERROR 401: Unauthorized: Authentication is required and has failed or has not been provided.',
  429: 'HTTP ERROR 429: Too Many Requests: The user has sent too many requests in a given amount of time.',
  500: 'HTTP ERROR 500: Server Error: An error occurred on the server.',
};

/** Wraps an API error in a message a person can act on; other errors pass through. */
export function feedError(err: unknown, contentType: string): unknown {
  if (!(err instanceof ApiError)) return err;
  const code = afCode(err);
  const lead =
    WORDING[err.status >= 500 ? 500 : err.status] ?? `Request Error: Received status code ${err.status}`;
  let hint = code ? HINTS[code] : undefined;
  if (/Tenant .* does not exist/i.test(err.body))
    hint =
      'unified audit logging is off for this tenant: turn it on in the Microsoft Purview portal (it takes up to 60 minutes)';
  if (!hint && (err.status === 400 || err.status === 401 || err.status === 403))
    hint = 'check the credentials and that the application has the Office 365 Management APIs permissions';
  return new CollectorError(
    'CR_ERR_API',
    `${lead} ${contentType ? `${contentType}: ` : ''}${code ? `${code}: ` : ''}${err.message}${hint ? `. Fix: ${hint}` : ''}`,
    { cause: err, retryable: err.retryable },
  );
}
