// The HTTP client every pull source uses: keep-alive connections (transport.ts), per-API budgets, bearer
// tokens refreshed once on 401, Retry-After honoured on 429, jittered backoff on 5xx and network errors.
import type { Clock } from '../clock.ts';
import type { Logger } from '../../logging/logger.ts';
import type { ServiceTelemetry } from '../../metrics/service-telemetry.ts';
import { ApiError, CollectorError } from '../errors.ts';
import { backoffDelay } from '../backoff.ts';
import { slidingWindowLimiter, type Permit, type RateLimiter } from './rate-limit.ts';
import {
  clientCredentialsTokenSource,
  type ClientCredentials,
  type TokenSource,
} from './oauth-client-credentials.ts';
import { parseRetryAfter } from './retry-after.ts';
import { HttpAgent, httpRequest, readText, type HttpResult } from './transport.ts';

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export interface HttpClient {
  /** GET a JSON document; retries what is retryable, throws ApiError for the rest. */
  getJson<T = unknown>(url: string, signal: AbortSignal): Promise<HttpResponse<T>>;
  readonly requests: number;
}

export interface HttpClientOptions {
  tokens?: TokenSource;
  /** Every limiter must admit a request before it is sent (e.g. input requests_per_second + API budget). */
  limiters?: RateLimiter[];
  headers?: Record<string, string>;
  /** Retries after the first attempt for 429, 5xx and network errors (product documents: "default up to 3 times"). */
  maxRetries?: number;
  /** A response body larger than this is refused (memory stays bounded); default MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

/** Far above a real page (Graph: 1,000 records of a few KiB), far below what would strain the pod's memory. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** A body larger than the limit: not retried (the same request would give the same page). */
export class ResponseTooLargeError extends CollectorError {
  constructor(url: string, limit: number, contentType: string | undefined) {
    super(
      'CR_ERR_API',
      `error during API call to ${url}: the response (${contentType ?? 'no content type'}) is larger than ${limit} bytes; lower the page size (e.g. the service's top setting) so one page fits`,
    );
    this.name = 'ResponseTooLargeError';
  }
}

/** Hands one service what it needs to talk HTTP; tokens and limiters are shared by key across services. */
export interface HttpClientFactory {
  tokenSource(creds: ClientCredentials): TokenSource;
  limiter(key: string, budget: { limit: number; windowMs: number }): RateLimiter;
  client(opts: HttpClientOptions): HttpClient;
}

export interface HttpShared {
  clock: Clock;
  /** The connection pool of every service's requests. */
  dispatcher: HttpAgent;
  tokenSources: Map<string, TokenSource>;
  limiters: Map<string, RateLimiter>;
}

export function createHttpShared(clock: Clock, dispatcher?: HttpAgent): HttpShared {
  return {
    clock,
    dispatcher:
      dispatcher ??
      new HttpAgent({
        keepAliveTimeoutMs: 30_000,
        connections: 16,
        headersTimeoutMs: 60_000,
        bodyTimeoutMs: 120_000,
      }),
    tokenSources: new Map(),
    limiters: new Map(),
  };
}

export function httpClientFactory(
  shared: HttpShared,
  telemetry: ServiceTelemetry,
  log: Logger,
): HttpClientFactory {
  return {
    tokenSource(creds) {
      const key = `${creds.tokenUrl}|${creds.clientId}|${JSON.stringify(creds.target)}`;
      let ts = shared.tokenSources.get(key);
      if (!ts) {
        ts = clientCredentialsTokenSource(creds, {
          clock: shared.clock,
          dispatcher: shared.dispatcher,
          events: { onRefresh: (r) => telemetry.tokenRefresh(r) },
        });
        shared.tokenSources.set(key, ts);
      }
      return ts;
    },
    limiter(key, budget) {
      let l = shared.limiters.get(key);
      if (!l) {
        l = slidingWindowLimiter(budget, shared.clock);
        shared.limiters.set(key, l);
      }
      return l;
    },
    client(opts) {
      return createHttpClient(opts, shared, telemetry, log);
    },
  };
}

function createHttpClient(
  opts: HttpClientOptions,
  shared: HttpShared,
  telemetry: ServiceTelemetry,
  log: Logger,
): HttpClient {
  const { clock } = shared;
  const maxRetries = opts.maxRetries ?? 5;
  const maxBytes = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  let requests = 0;

  async function getJson<T>(url: string, signal: AbortSignal): Promise<HttpResponse<T>> {
    let retries = 0;
    let refreshedToken = false;
    for (;;) {
      const token = opts.tokens ? await opts.tokens.get(signal) : undefined;
      const permits: Permit[] = [];
      for (const l of opts.limiters ?? []) permits.push(await l.acquire(signal));
      telemetry.throttleWait(permits.reduce((n, p) => n + p.waitedMs, 0) / 1000);
      const started = performance.now();
      let res: HttpResult;
      let text: string;
      try {
        requests++;
        res = await httpRequest(url, {
          method: 'GET',
          headers: {
            accept: 'application/json',
            ...opts.headers,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          agent: shared.dispatcher,
          signal,
        });
        for (const p of permits) p.done();
        const type = res.headers['content-type'];
        text = await readText(
          res.body,
          maxBytes,
          () =>
            new ResponseTooLargeError(redactUrl(url), maxBytes, typeof type === 'string' ? type : undefined),
        );
      } catch (err) {
        for (const p of permits) p.done();
        if (signal.aborted) throw signal.reason;
        if (err instanceof ResponseTooLargeError) throw err;
        telemetry.apiRequest('error', (performance.now() - started) / 1000);
        if (retries >= maxRetries)
          throw new CollectorError(
            'CR_ERR_API',
            `error during API call to ${redactUrl(url)}: ${(err as Error).message}`,
            {
              cause: err,
              retryable: true,
            },
          );
        const wait = backoffDelay(retries++, { initialMs: 1000, maxMs: 60_000 });
        log.warn(
          { err, url: redactUrl(url), waitMs: Math.round(wait) },
          'Retrying request after a network error',
        );
        await clock.sleep(wait, signal);
        continue;
      }
      const status = res.statusCode;
      const seconds = (performance.now() - started) / 1000;
      telemetry.apiRequest(status, seconds);
      log.debug({ status, url: redactUrl(url), seconds }, 'Requested a page');
      if (status === 200 || status === 206) {
        if (status === 206)
          log.warn(
            { url: redactUrl(url), warning: res.headers.warning },
            'Received partial content (a provider failed)',
          );
        try {
          return { status, headers: res.headers, body: JSON.parse(text) as T };
        } catch {
          // Never quote the body: a broken page holds user names and addresses.
          throw new ApiError(status, redactUrl(url), text, true, res.headers['content-type'], 'not JSON');
        }
      }
      if (status === 401 && opts.tokens && token && !refreshedToken) {
        // Tokens can expire mid-pagination: refresh once and retry the same URL.
        refreshedToken = true;
        opts.tokens.invalidate(token);
        log.info({ url: redactUrl(url) }, 'Refreshed the access token after a 401');
        continue;
      }
      const retryable = status === 429 || status >= 500;
      if (!retryable || retries >= maxRetries)
        throw new ApiError(status, redactUrl(url), text, retryable, res.headers['content-type']);
      let wait = parseRetryAfter(res.headers['retry-after'], clock.now());
      if (status === 429 && wait !== undefined) {
        // The budget is shared: hold every caller of the same API, not just this one.
        for (const l of opts.limiters ?? []) l.pauseUntil(clock.now() + wait);
      }
      wait ??= backoffDelay(retries, { initialMs: 1000, maxMs: 60_000 });
      retries++;
      telemetry.throttleWait(status === 429 ? wait / 1000 : 0);
      log.warn({ status, url: redactUrl(url), waitMs: Math.round(wait), retry: retries }, 'Retrying request');
      await clock.sleep(wait, signal);
    }
  }

  return {
    getJson,
    get requests() {
      return requests;
    },
  };
}

/** URLs in logs and errors: no credentials, and skip tokens cut (they are long and meaningless). */
export function redactUrl(url: string): string {
  return url.replace(/(\$skiptoken=)[^&]{16,}/i, '$1…').replace(/\/\/[^/@]+@/, '//');
}
