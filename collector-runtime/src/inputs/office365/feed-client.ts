// The Management Activity API over HTTP: PublisherIdentifier on every call, subscriptions started once
// per content type (AF20024 = already enabled), content listed page by page through the NextPageUri
// header, blobs fetched as JSON arrays. AF429 comes as 429 or 403 and is retried like a 429.
import { httpRequest, readText } from '../../core/http/transport.ts';
import type { Clock } from '../../core/clock.ts';
import type { HttpClient, HttpResponse } from '../../core/http/client.ts';
import { redactUrl } from '../../core/http/client.ts';
import type { TokenSource } from '../../core/http/oauth-client-credentials.ts';
import { backoffDelay } from '../../core/backoff.ts';
import { ApiError, CollectorError } from '../../core/errors.ts';
import { headerValue, type Page } from '../../core/polling/paging.ts';
import type { Logger } from '../../logging/logger.ts';
import type { ServiceTelemetry } from '../../metrics/service-telemetry.ts';
import { feedError, afCode } from './feed-errors.ts';

export interface ContentDescriptor {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration?: string;
  [field: string]: unknown;
}

export type BlobResult =
  | { ok: true; records: Record<string, unknown>[] }
  | { ok: false; expired: true }
  | { ok: false; expired: false; error: unknown };

const THROTTLE_RETRIES = 6;

/** `YYYY-MM-DDTHH:MM:SS`, the form the API documents for startTime/endTime. */
export function feedTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export class FeedClient {
  readonly #http: HttpClient;
  readonly #tokens: TokenSource;
  readonly #feedUrl: string;
  readonly #publisher: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #telemetry: ServiceTelemetry;

  constructor(deps: {
    http: HttpClient;
    tokens: TokenSource;
    feedUrl: string;
    publisher: string;
    clock: Clock;
    log: Logger;
    telemetry: ServiceTelemetry;
  }) {
    this.#http = deps.http;
    this.#tokens = deps.tokens;
    this.#feedUrl = deps.feedUrl;
    this.#publisher = deps.publisher;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#telemetry = deps.telemetry;
  }

  get requests(): number {
    return this.#http.requests;
  }

  /** Adds PublisherIdentifier unless the URL (e.g. a NextPageUri) already carries it. */
  #withPublisher(url: string): string {
    const u = new URL(url);
    if (![...u.searchParams.keys()].some((k) => k.toLowerCase() === 'publisheridentifier'))
      u.searchParams.set('PublisherIdentifier', this.#publisher);
    return u.toString();
  }

  /** GET with AF429-as-403 retried (the client retries 429 itself). */
  async #get<T>(url: string, signal: AbortSignal): Promise<HttpResponse<T>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#http.getJson<T>(this.#withPublisher(url), signal);
      } catch (err) {
        if (!(err instanceof ApiError) || afCode(err) !== 'AF429' || attempt >= THROTTLE_RETRIES) throw err;
        const wait = backoffDelay(attempt, { initialMs: 2_000, maxMs: 60_000 });
        this.#telemetry.throttleWait(wait / 1000);
        this.#log.warn(
          { status: err.status, waitMs: Math.round(wait) },
          'Throttled by the API (AF429); waiting',
        );
        await this.#clock.sleep(wait, signal);
      }
    }
  }

  /** Subscriptions are started once: an enabled one is left alone, AF20024 counts as success. */
  async listSubscriptions(signal: AbortSignal): Promise<{ contentType?: string; status?: string }[]> {
    const list = await this.#get<unknown>(`${this.#feedUrl}/subscriptions/list`, signal).catch(
      (e: unknown) => {
        throw feedError(e, '');
      },
    );
    return Array.isArray(list.body) ? list.body : [];
  }

  async ensureSubscription(contentType: string, signal: AbortSignal): Promise<'enabled' | 'started'> {
    // Matched case-insensitively: tenants report "Audit.Sharepoint" as well as "Audit.SharePoint".
    const current = (await this.listSubscriptions(signal)).find(
      (s) => s.contentType?.toLowerCase() === contentType.toLowerCase(),
    );
    if (current?.status?.toLowerCase() === 'enabled') return 'enabled';
    await this.startSubscription(contentType, signal);
    return 'started';
  }

  async startSubscription(contentType: string, signal: AbortSignal): Promise<void> {
    const url = this.#withPublisher(
      `${this.#feedUrl}/subscriptions/start?contentType=${encodeURIComponent(contentType)}`,
    );
    for (let refreshed = false; ; refreshed = true) {
      const token = await this.#tokens.get(signal);
      const started = performance.now();
      const res = await httpRequest(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
        signal,
      });
      const text = await readText(res.body);
      this.#telemetry.apiRequest(res.statusCode, (performance.now() - started) / 1000);
      if (res.statusCode === 200) {
        this.#log.info({ contentType }, 'Started the subscription');
        return;
      }
      if (res.statusCode === 401 && !refreshed) {
        this.#tokens.invalidate(token);
        continue;
      }
      const err = new ApiError(res.statusCode, redactUrl(url.split('?')[0]!), text, res.statusCode >= 500);
      if (afCode(err) === 'AF20024') return; // already enabled: success
      throw feedError(err, contentType);
    }
  }

  /** One listing page; a missing or disabled subscription is started and the page asked again. */
  async listPage(url: string, contentType: string, signal: AbortSignal): Promise<Page<ContentDescriptor>> {
    let res: HttpResponse<unknown>;
    try {
      res = await this.#get<unknown>(url, signal);
    } catch (err) {
      const code = err instanceof ApiError ? afCode(err) : undefined;
      if (code !== 'AF20022' && code !== 'AF20023') throw feedError(err, contentType);
      this.#log.warn({ contentType, code }, 'The subscription was not enabled; starting it');
      await this.startSubscription(contentType, signal);
      res = await this.#get<unknown>(url, signal).catch((e: unknown) => {
        throw feedError(e, contentType);
      });
    }
    const items = Array.isArray(res.body) ? (res.body as ContentDescriptor[]) : [];
    // The reference says NextPageUri, the troubleshooting page NextPageUrl; header names are matched
    // case-insensitively.
    return { items, next: headerValue(res.headers, 'NextPageUri', 'NextPageUrl') };
  }

  contentUrl(contentType: string, from: number, to: number): string {
    const q = new URLSearchParams({ contentType, startTime: feedTime(from), endTime: feedTime(to) });
    return `${this.#feedUrl}/subscriptions/content?${q}`;
  }

  async blob(descriptor: Pick<ContentDescriptor, 'contentUri'>, signal: AbortSignal): Promise<BlobResult> {
    try {
      const res = await this.#get<unknown>(descriptor.contentUri, signal);
      const records = Array.isArray(res.body) ? (res.body as unknown[]) : [];
      return {
        ok: true,
        records: records.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object'),
      };
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof ApiError && afCode(err) === 'AF20051') return { ok: false, expired: true };
      return { ok: false, expired: false, error: err instanceof CollectorError ? err : feedError(err, '') };
    }
  }
}
