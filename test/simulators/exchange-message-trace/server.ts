// Exchange Online message trace simulator: one loopback HTTP server playing the Entra ID token endpoints
// (v1 resource= and v2 scope=, shared with the Graph simulator), Graph `messageTraces` and the legacy
// Reporting Web Service `MessageTrace`, over one simulated tenant's mail flow.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerTokenRoute, tokenRouteConfig, type TokenRouteConfig } from '../entra/token-route.ts';
import { TokenIssuer } from '../entra/token-issuer.ts';
import { GraphError, graphErrorBody } from '../graph/graph-errors.ts';
import {
  GRAPH_RESOURCES,
  GRAPH_ROLES,
  SIM_APP,
  SIM_CLIENT_ID,
  SIM_CLIENT_SECRET,
  SIM_TENANT_DOMAIN,
  SIM_TENANT_ID,
} from '../graph/server.ts';
import { systemClock, type SimClock } from '../graph/sim-clock.ts';
import { formatRetryAfter, SlidingWindowThrottle, type ThrottleBudget } from '../graph/throttle.ts';
import { requestHeader, sendJson, startLoopbackServer, type LoopbackServer } from '../http-server.ts';
import { messageTracesPage, type TimeWindow } from './graph-message-traces.ts';
import {
  LEGACY_MESSAGES,
  LEGACY_PAGE_SIZE,
  messageTracePage,
  ReportingError,
  reportingErrorBody,
  type LegacyShape,
} from './reporting-web-service.ts';
import { TraceRows, type AddRowsOptions, type TraceRow } from './trace-rows.ts';

export { SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_TENANT_ID, SIM_TENANT_DOMAIN };
export type { TraceRow, TraceStatus, AddRowsOptions } from './trace-rows.ts';
export { statusAt } from './trace-rows.ts';
export type { LegacyShape } from './reporting-web-service.ts';

export const GRAPH_ROLE = 'ExchangeMessageTrace.Read.All';
export const REPORTING_ROLE = 'ReportingWebService.Read.All';
/** The Reporting Web Service's token audience (OAuth resource of Exchange Online). */
export const EXCHANGE_RESOURCE = 'https://outlook.office365.com';
/** Graph message trace: 100 requests per 5-minute rolling window per tenant. */
export const GRAPH_TRACE_BUDGET: ThrottleBudget = { limit: 100, windowMs: 5 * 60_000 };

export interface ExchangeTraceSimulatorOptions {
  clock?: SimClock;
  seed?: number;
  tokenLifetimeSeconds?: number;
  legacyShape?: LegacyShape;
  legacyPageSize?: number;
  /** Graph rows per page at most, whatever $top asks (default 5000). */
  graphMaxPageSize?: number;
  /** Application permissions granted to the app (default: both APIs'). */
  roles?: readonly string[];
  throttle?: boolean;
}

export type TraceApi = 'graph' | 'reporting' | 'token_v1' | 'token_v2' | 'not_found';

export interface TraceRequestLogEntry {
  /** Simulator clock at arrival (epoch ms). */
  readonly at: number;
  readonly api: TraceApi;
  /** Path and query string as received. */
  readonly path: string;
  readonly status: number;
  /** The received-time window the request asked for, when it was a valid trace query. */
  readonly window?: TimeWindow;
  /** Rows in the answer. */
  readonly rows?: number;
}

export interface ExchangeTraceSimulator {
  /** `http://127.0.0.1:PORT`: login endpoints, Graph and the Reporting Web Service on one origin. */
  readonly url: string;
  /** Adds rows to the tenant's mail flow (every row is one message × recipient). */
  addRows(opts: AddRowsOptions): TraceRow[];
  rows(): readonly TraceRow[];
  requestLog(): readonly TraceRequestLogEntry[];
  /** Scenario knobs, changeable while running. */
  scenario: { failSecret?: boolean; roles?: readonly string[] };
  close(): Promise<void>;
}

const GRAPH_PATH = /^\/(v1\.0|beta)\/admin\/exchange\/tracing\/messageTraces\/?$/;
const REPORTING_PATH = /^\/ecp\/reportingwebservice\/reporting\.svc\/MessageTrace\/?$/i;
const GRAPH_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;charset=utf-8';

const sameResource = (a: string, b: string) =>
  a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

class Simulator implements ExchangeTraceSimulator {
  readonly url: string;
  scenario: ExchangeTraceSimulator['scenario'] = {};
  readonly #http: LoopbackServer;
  readonly #clock: SimClock;
  readonly #rows: TraceRows;
  readonly #tokens = new TokenIssuer(GRAPH_ROLES);
  readonly #throttle: SlidingWindowThrottle | null;
  readonly #log: TraceRequestLogEntry[] = [];
  readonly #opts: ExchangeTraceSimulatorOptions;
  readonly #tokenConfig: TokenRouteConfig;

  constructor(http: LoopbackServer, opts: ExchangeTraceSimulatorOptions) {
    this.#http = http;
    this.url = http.url;
    this.#opts = opts;
    // The Graph simulator's app registration: message trace is read by the same kind of Entra app.
    this.#tokenConfig = tokenRouteConfig(opts, SIM_APP, [...GRAPH_RESOURCES, EXCHANGE_RESOURCE, this.url]);
    this.#clock = opts.clock ?? systemClock;
    this.#rows = new TraceRows(opts.seed ?? 1, SIM_TENANT_ID);
    // The Graph simulator's sliding window, with message trace's one budget in its single group.
    this.#throttle =
      opts.throttle === false
        ? null
        : new SlidingWindowThrottle({ identity: GRAPH_TRACE_BUDGET, security: GRAPH_TRACE_BUDGET });
  }

  addRows(opts: AddRowsOptions): TraceRow[] {
    return this.#rows.add(opts);
  }

  rows(): readonly TraceRow[] {
    return this.#rows.all();
  }

  requestLog(): readonly TraceRequestLogEntry[] {
    return [...this.#log];
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  #roles(): readonly string[] {
    return this.scenario.roles ?? this.#opts.roles ?? [GRAPH_ROLE, REPORTING_ROLE];
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.#clock.now();
    const target = req.url ?? '/';
    const url = new URL(target, this.url);
    const requestId = randomUUID();
    const log = (api: TraceApi, status: number, extra: Partial<TraceRequestLogEntry> = {}) =>
      this.#log.push({ at, api, path: target, status, ...extra });

    const token = await answerTokenRoute(req, url.pathname, this.#tokenConfig, this.#tokens, {
      failSecret: this.scenario.failSecret === true,
      requestId,
      now: at,
    });
    if (token !== undefined) {
      log(`token_${token.version}`, token.status);
      sendJson(res, token.status, token.body, token.headers);
      return;
    }

    if (GRAPH_PATH.test(url.pathname)) {
      try {
        const page = this.#graph(req, url, at);
        log('graph', 200, { window: page.window, rows: (page.body.value as unknown[]).length });
        sendJson(res, 200, page.body, { 'Content-Type': GRAPH_CONTENT_TYPE, 'request-id': requestId });
      } catch (err) {
        const e = err instanceof GraphError ? err : new GraphError(500, 'InternalServerError', String(err));
        log('graph', e.status);
        sendJson(res, e.status, graphErrorBody(e, { requestId, clientRequestId: requestId }, at), {
          'Content-Type': GRAPH_CONTENT_TYPE,
          'request-id': requestId,
          ...e.headers,
        });
      }
      return;
    }

    if (REPORTING_PATH.test(url.pathname)) {
      const shape = this.#opts.legacyShape ?? 'light';
      try {
        const page = this.#reporting(req, url, shape, at);
        const rows = shape === 'light' ? page.body.value : (page.body.d as { results: unknown }).results;
        log('reporting', 200, { window: page.window, rows: (rows as unknown[]).length });
        sendJson(res, 200, page.body, {
          'Content-Type': 'application/json;odata=minimalmetadata;charset=utf-8',
        });
      } catch (err) {
        const e = err instanceof ReportingError ? err : new ReportingError(500, String(err));
        log('reporting', e.status);
        sendJson(res, e.status, reportingErrorBody(e, shape), {
          'Content-Type': 'application/json;charset=utf-8',
        });
      }
      return;
    }

    log('not_found', 404);
    sendJson(
      res,
      404,
      { error: { code: 'ResourceNotFound', message: `No route for ${url.pathname}` } },
      { 'Content-Type': 'application/json' },
    );
  }

  #graph(req: IncomingMessage, url: URL, at: number) {
    const check = this.#tokens.check(requestHeader(req, 'authorization'), at);
    const graphAudience = [...GRAPH_RESOURCES, this.url];
    if (!check.valid || !graphAudience.some((r) => sameResource(r, check.token.audience)))
      throw new GraphError(
        401,
        'InvalidAuthenticationToken',
        check.valid ? 'Access token validation failure. Invalid audience.' : 'Access token is empty.',
      );
    // Budget is per tenant and counts every admitted request, whatever it asks for.
    if (this.#throttle !== null) {
      const decision = this.#throttle.admit('identity', check.token.tenantId, at);
      if (!decision.admitted)
        throw new GraphError(429, 'TooManyRequests', 'Too many requests. Please retry again later.', {
          'Retry-After': formatRetryAfter(decision.retryAfterMs),
        });
    }
    const roles = this.#roles();
    if (!roles.includes(GRAPH_ROLE))
      throw new GraphError(
        403,
        'Forbidden',
        `Missing role permissions on the request. API requires one of '${GRAPH_ROLE}'. Roles on the request '${roles.join(',')}'.`,
      );
    const version = GRAPH_PATH.exec(url.pathname)![1]!;
    return messageTracesPage(this.#rows, url, this.url, version, at, this.#opts.graphMaxPageSize);
  }

  #reporting(req: IncomingMessage, url: URL, shape: LegacyShape, at: number) {
    const check = this.#tokens.check(requestHeader(req, 'authorization'), at);
    if (
      !check.valid ||
      !(sameResource(check.token.audience, EXCHANGE_RESOURCE) || sameResource(check.token.audience, this.url))
    )
      throw new ReportingError(401, 'Unauthorized: Access is denied due to invalid credentials.');
    if (!this.#roles().includes(REPORTING_ROLE)) throw new ReportingError(403, LEGACY_MESSAGES.noPermission);
    return messageTracePage(
      this.#rows,
      url,
      this.url,
      shape,
      at,
      this.#opts.legacyPageSize ?? LEGACY_PAGE_SIZE,
    );
  }
}

export function startExchangeTraceSimulator(
  opts: ExchangeTraceSimulatorOptions = {},
): Promise<ExchangeTraceSimulator> {
  return startLoopbackServer((http) => new Simulator(http, opts));
}
