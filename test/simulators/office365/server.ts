// Office 365 Management Activity API simulator: one loopback HTTP server playing the Entra ID token
// endpoints and the activity feed (subscriptions, content listing, content blobs), for tests, benchmarks
// and the local sandbox. Wire facts: docs/sources/office365-management-activity.md.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerTokenRoute, tokenRouteConfig, type TokenRouteConfig } from '../entra/token-route.ts';
import { TokenIssuer } from '../entra/token-issuer.ts';
import { requestHeader, sendJson, startLoopbackServer, type LoopbackServer } from '../http-server.ts';
import { systemClock, type SimClock } from '../graph/sim-clock.ts';
import { SlidingWindowThrottle, type ThrottleBudget } from '../graph/throttle.ts';
import { CONTENT_TYPES, type AuditRecord, type ContentType } from './audit-records.ts';
import { contentWindow, descriptor, PageTokens } from './content-listing.ts';
import {
  CONTENT_RETENTION_MS,
  ContentStore,
  type AddActivityOptions,
  type AddedActivity,
  type ContentBlob,
} from './content-store.ts';
import { FeedError, feedErrors } from './feed-errors.ts';
import { takeForced, type Office365Scenario } from './scenario.ts';
import { FeedStats, type Office365SimulatorStats } from './stats.ts';
import { Subscriptions, type SubscriptionView } from './subscriptions.ts';

export type { AuditRecord, ContentType } from './audit-records.ts';
export type { AddActivityOptions, AddedActivity, ContentBlob } from './content-store.ts';
export type { Office365Scenario } from './scenario.ts';
export type { Office365SimulatorStats, FeedRequestLogEntry } from './stats.ts';
export { CONTENT_TYPES } from './audit-records.ts';

export const SIM_TENANT_ID = '4f6c1a2b-8d3e-4a5f-9b7c-1e2d3c4b5a69';
export const SIM_TENANT_DOMAIN = 'contoso.onmicrosoft.com';
export const SIM_CLIENT_ID = '7d2e9c4a-3b1f-4e8d-a6c5-0f9e8d7c6b5a';
export const SIM_CLIENT_SECRET = 'sim~O365.secret_9876543210-zyxwvuTSRQ';
export const SIM_TOKEN_LIFETIME_SECONDS = 3599;
/** Descriptors per listing page (the real page size is not documented). */
export const SIM_PAGE_SIZE = 100;
/** The app registration the token endpoints know unless a test's options say otherwise. */
export const SIM_APP: Omit<TokenRouteConfig, 'resources'> = {
  tenantId: SIM_TENANT_ID,
  tenantDomain: SIM_TENANT_DOMAIN,
  clientId: SIM_CLIENT_ID,
  clientSecret: SIM_CLIENT_SECRET,
  lifetimeSeconds: SIM_TOKEN_LIFETIME_SECONDS,
};

/** Token audiences accepted: the Management Activity API host of every cloud. */
export const MANAGE_RESOURCES = [
  'https://manage.office.com',
  'https://manage-gcc.office.com',
  'https://manage.office365.us',
  'https://manage.protection.apps.mil',
];
const ROLES = ['ActivityFeed.Read', 'ActivityFeed.ReadDlp', 'ServiceHealth.Read'];

/** 2,000 requests a minute per tenant and publisher (docs/sources/office365-management-activity.md); callers without a publisher share less. */
export const FEED_BUDGETS: Readonly<Record<'publisher' | 'shared', ThrottleBudget>> = {
  publisher: { limit: 2000, windowMs: 60_000 },
  shared: { limit: 100, windowMs: 60_000 },
};

export interface Office365SimulatorOptions {
  clock?: SimClock;
  seed?: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  pageSize?: number;
  /** Request budgets; `false` switches throttling off. */
  budgets?: Readonly<Record<'publisher' | 'shared', ThrottleBudget>> | false;
}

export interface Office365Simulator {
  /** `http://127.0.0.1:PORT`; serves both the login endpoints and the feed. */
  readonly url: string;
  readonly tenantId: string;
  close(): Promise<void>;
  /** Publishes `count` distinct records that happened in `range`, in blobs, plus duplicate copies. */
  addActivity(
    contentType: ContentType,
    count: number,
    range: { from: number; to: number },
    options?: AddActivityOptions,
  ): AddedActivity;
  /** Every distinct record of a type published so far. */
  distinct(contentType: ContentType): AuditRecord[];
  /** Records of a type served counting every copy. */
  served(contentType: ContentType): number;
  /** Blobs of a type created in [from, to), in listing order. */
  blobs(contentType: ContentType, from?: number, to?: number): ContentBlob[];
  /** The blob answers AF20051 from now on, as if seven days had passed. */
  expire(contentId: string): void;
  /** An administrator disabled the subscription: listing answers AF20023 until it is started again. */
  disableSubscription(contentType: ContentType): void;
  subscriptions(): SubscriptionView[];
  scenario: Office365Scenario;
  stats(): Office365SimulatorStats;
  revokeTokens(): void;
}

const FEED_PATH =
  /^\/api\/v1\.0\/([^/]+)\/activity\/feed\/(subscriptions\/(start|stop|list|content)|audit\/([^/]+))\/?$/i;
const JSON_TYPE = 'application/json; charset=utf-8';

/** Query parameters are matched without regard to case, as the service does. */
function param(params: URLSearchParams, name: string): string | null {
  for (const [k, v] of params) if (k.toLowerCase() === name.toLowerCase()) return v;
  return null;
}

function contentTypeParam(params: URLSearchParams): ContentType {
  const value = param(params, 'contentType') ?? '';
  // The service matches content types case-insensitively ("Audit.Sharepoint" works).
  const type = CONTENT_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (type === undefined) throw feedErrors.badContentType(value);
  return type;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

class Simulator implements Office365Simulator {
  readonly url: string;
  readonly tenantId: string;
  scenario: Office365Scenario = {};
  readonly #http: LoopbackServer;
  readonly #clock: SimClock;
  readonly #store: ContentStore;
  readonly #tokens = new TokenIssuer(ROLES);
  readonly #stats = new FeedStats();
  readonly #subscriptions = new Subscriptions();
  readonly #pages: PageTokens;
  readonly #throttle: SlidingWindowThrottle<'publisher' | 'shared'> | null;
  readonly #expired = new Set<string>();
  readonly #tokenConfig: TokenRouteConfig;
  readonly #pageSize: number;

  constructor(http: LoopbackServer, opts: Office365SimulatorOptions) {
    this.#http = http;
    this.url = http.url;
    this.#clock = opts.clock ?? systemClock;
    this.#tokenConfig = tokenRouteConfig(opts, SIM_APP, [...MANAGE_RESOURCES, this.url]);
    this.#pageSize = opts.pageSize ?? SIM_PAGE_SIZE;
    this.tenantId = this.#tokenConfig.tenantId;
    this.#store = new ContentStore(opts.seed ?? 1, this.tenantId);
    this.#pages = new PageTokens(randomUUID());
    this.#throttle = opts.budgets === false ? null : new SlidingWindowThrottle(opts.budgets ?? FEED_BUDGETS);
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  addActivity(
    contentType: ContentType,
    count: number,
    range: { from: number; to: number },
    options?: AddActivityOptions,
  ): AddedActivity {
    return this.#store.addActivity(contentType, count, range, options);
  }

  distinct(contentType: ContentType): AuditRecord[] {
    return this.#store.distinct(contentType);
  }

  served(contentType: ContentType): number {
    return this.#store.served(contentType);
  }

  blobs(contentType: ContentType, from = -Infinity, to = Infinity): ContentBlob[] {
    return this.#store.list(contentType, from, to);
  }

  expire(contentId: string): void {
    this.#expired.add(contentId);
  }

  disableSubscription(contentType: ContentType): void {
    this.#subscriptions.disableByAdmin(contentType);
  }

  subscriptions(): SubscriptionView[] {
    return this.#subscriptions.list();
  }

  stats(): Office365SimulatorStats {
    return this.#stats.snapshot();
  }

  revokeTokens(): void {
    this.#tokens.revokeAll();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.#clock.now();
    const target = req.url ?? '/';
    const url = new URL(target, this.url);
    const requestId = randomUUID();
    const publisher = param(url.searchParams, 'PublisherIdentifier');
    let operation = 'not_found';
    const send = (reply: Reply): void => {
      this.#stats.record({
        at,
        operation,
        path: target,
        status: reply.status,
        publisherIdentifier: publisher,
      });
      sendJson(res, reply.status, reply.body, {
        'Content-Type': JSON_TYPE,
        'request-id': requestId,
        ...reply.headers,
      });
    };
    try {
      const token = await answerTokenRoute(req, url.pathname, this.#tokenConfig, this.#tokens, {
        failSecret: this.scenario.failSecret === true,
        requestId,
        now: at,
      });
      if (token !== undefined) {
        operation = `token_${token.version}`;
        if (token.ok) this.#stats.tokensIssued += 1;
        send(token);
        return;
      }
      const route = FEED_PATH.exec(url.pathname);
      if (route === null) {
        send({ status: 404, body: { error: { code: 'NotFound', message: `No route for ${url.pathname}` } } });
        return;
      }
      const tenant = decodeURIComponent(route[1] ?? '');
      operation = route[3]?.toLowerCase() ?? 'blob';
      send(
        this.#feed(
          req.method ?? 'GET',
          operation,
          tenant,
          route[4],
          url,
          publisher,
          requestHeader(req, 'authorization'),
          at,
        ),
      );
    } catch (err) {
      const e = err instanceof FeedError ? err : feedErrors.internal();
      if (e.code === 'AF429') this.#stats.throttled += 1;
      send({ status: e.status, body: e.body() });
    }
  }

  #feed(
    method: string,
    operation: string,
    tenant: string,
    contentId: string | undefined,
    url: URL,
    publisher: string | null,
    authorization: string | undefined,
    at: number,
  ): Reply {
    const check = this.#tokens.check(authorization, at);
    if (!check.valid || !MANAGE_RESOURCES.concat(this.url).includes(check.token.audience.replace(/\/+$/, '')))
      return { status: 401, body: { Message: 'Authorization has been denied for this request.' } };
    if (check.token.tenantId.toLowerCase() !== tenant.toLowerCase())
      throw feedErrors.tenantMismatch(tenant, check.token.tenantId);
    const method429 =
      {
        start: 'StartSubscription',
        stop: 'StopSubscription',
        list: 'ListSubscriptions',
        content: 'ListContent',
        blob: 'GetBlob',
      }[operation] ?? operation;
    const status = this.scenario.throttleStatus ?? 429;
    if (takeForced(this.scenario.force429)) throw feedErrors.throttled(status, method429, publisher ?? '');
    if (takeForced(this.scenario.force5xx)) throw feedErrors.internal();
    if (this.#throttle !== null) {
      const decision =
        publisher === null
          ? this.#throttle.admit('shared', 'all', at)
          : this.#throttle.admit('publisher', `${tenant}|${publisher}`, at);
      if (!decision.admitted) throw feedErrors.throttled(status, method429, publisher ?? '');
    }
    const params = url.searchParams;
    const expectMethod = operation === 'start' || operation === 'stop' ? 'POST' : 'GET';
    if (method !== expectMethod)
      return {
        status: 405,
        body: { Message: `The requested resource does not support http method '${method}'.` },
      };
    const feedUrl = `${this.url}/api/v1.0/${tenant}/activity/feed`;
    switch (operation) {
      case 'start':
        return {
          status: 200,
          body: this.#subscriptions.start(contentTypeParam(params), at, publisher ?? ''),
        };
      case 'stop':
        this.#subscriptions.stop(contentTypeParam(params));
        return { status: 200, body: undefined };
      case 'list':
        return { status: 200, body: this.#subscriptions.list() };
      case 'content': {
        const contentType = contentTypeParam(params);
        const window = contentWindow(params, at);
        this.#subscriptions.requireEnabled(contentType);
        const next = param(params, 'nextPage');
        const offset = next === null ? 0 : this.#pages.offset(next, contentType, window);
        const all = this.#store.list(contentType, window.start, window.end);
        const page = all.slice(offset, offset + this.#pageSize).map((b) => descriptor(b, feedUrl));
        const headers: Record<string, string> = {};
        if (offset + this.#pageSize < all.length) {
          const nextUrl = new URL(`${feedUrl}/subscriptions/content`);
          nextUrl.searchParams.set('contentType', contentType);
          nextUrl.searchParams.set('startTime', new Date(window.start).toISOString().slice(0, 19));
          nextUrl.searchParams.set('endTime', new Date(window.end).toISOString().slice(0, 19));
          nextUrl.searchParams.set(
            'nextPage',
            this.#pages.issue(contentType, window, offset + this.#pageSize),
          );
          headers[this.scenario.nextPageHeader ?? 'NextPageUri'] = nextUrl.toString();
        }
        return { status: 200, body: page, headers };
      }
      default: {
        const id = decodeURIComponent(contentId ?? '');
        if (this.scenario.failContent?.contentId === id && takeForced(this.scenario.failContent))
          throw feedErrors.internal();
        const blob = this.#store.blob(id);
        if (blob === undefined) throw feedErrors.notFound(id);
        if (this.#expired.has(id) || at >= blob.contentCreated + CONTENT_RETENTION_MS) {
          this.#stats.expiredServed += 1;
          throw feedErrors.expired(id);
        }
        return { status: 200, body: blob.records };
      }
    }
  }
}

export function startOffice365Simulator(opts: Office365SimulatorOptions = {}): Promise<Office365Simulator> {
  return startLoopbackServer((http) => new Simulator(http, opts));
}
