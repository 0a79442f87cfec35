// Microsoft Graph simulator: one loopback HTTP server that plays both the Entra ID token endpoints and
// the Graph audit/security collections, for tests, benchmarks and the local sandbox.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CollectionPages } from './collection-pages.ts';
import { endpointForPath, type GraphService } from './endpoints.ts';
import { GraphData, type TimeRange } from './graph-data.ts';
import { GraphError, graphErrorBody } from './graph-errors.ts';
import { GraphRequests, type GraphReply } from './graph-request.ts';
import type { GraphRecord } from './records.ts';
import type { Scenario } from './scenario.ts';
import { systemClock, type SimClock } from './sim-clock.ts';
import { StatsRecorder, type GraphSimulatorStats } from './stats.ts';
import { SlidingWindowThrottle } from './throttle.ts';
import { answerTokenRoute, tokenRouteConfig, type TokenRouteConfig } from '../entra/token-route.ts';
import { TokenIssuer } from '../entra/token-issuer.ts';
import { requestHeader, sendJson, startLoopbackServer, type LoopbackServer } from '../http-server.ts';

export type { GraphService } from './endpoints.ts';
export type { GraphRecord } from './records.ts';
export type { Scenario } from './scenario.ts';
export type { SimClock } from './sim-clock.ts';
export type { GraphSimulatorStats, RequestLogEntry } from './stats.ts';
export type { TimeRange } from './graph-data.ts';

export const SIM_TENANT_ID = '8a3f5c2e-4b1d-4e6f-9a7c-2d5e8f1b3c4a';
export const SIM_TENANT_DOMAIN = 'contoso.onmicrosoft.com';
export const SIM_CLIENT_ID = '2f0c6b8e-1d3a-4c5f-8e9b-7a6d5c4b3a21';
export const SIM_CLIENT_SECRET = 'sim~Q8.secret_0123456789-abcdefGHIJ';
export const SIM_TOKEN_LIFETIME_SECONDS = 3599;
export const SIM_PAGE_SIZE = 1000;
/** The app registration the token endpoints know unless a test's options say otherwise. */
export const SIM_APP: Omit<TokenRouteConfig, 'resources'> = {
  tenantId: SIM_TENANT_ID,
  tenantDomain: SIM_TENANT_DOMAIN,
  clientId: SIM_CLIENT_ID,
  clientSecret: SIM_CLIENT_SECRET,
  lifetimeSeconds: SIM_TOKEN_LIFETIME_SECONDS,
};
export const SIM_SEED = 1;

/** Token audiences accepted: every national-cloud Graph host, Graph's app id, and the simulator itself. */
export const GRAPH_RESOURCES = [
  'https://graph.microsoft.com',
  'https://graph.microsoft.us',
  'https://dod-graph.microsoft.us',
  'https://microsoftgraph.chinacloudapi.cn',
  '00000003-0000-0000-c000-000000000000',
];

export interface GraphSimulatorOptions {
  clock?: SimClock;
  seed?: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  pageSize?: number;
  throttle?: boolean;
}

export interface GraphSimulator {
  /** `http://127.0.0.1:PORT`; serves both the login endpoints and Graph. */
  readonly url: string;
  close(): Promise<void>;
  addRecords(service: GraphService, count: number, range: TimeRange): GraphRecord[];
  insertLate(service: GraphService, count: number, at: number): GraphRecord[];
  updateAlertV2(id: string, at: number): GraphRecord;
  records(service: GraphService): readonly GraphRecord[];
  scenario: Scenario;
  stats(): GraphSimulatorStats;
  revokeTokens(): void;
}

const GRAPH_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
/** The app roles a token for this simulator carries (Graph application permissions). */
export const GRAPH_ROLES = [
  'AuditLog.Read.All',
  'Directory.Read.All',
  'SecurityEvents.Read.All',
  'SecurityAlert.Read.All',
];
class Simulator implements GraphSimulator {
  readonly url: string;
  scenario: Scenario = {};
  readonly #http: LoopbackServer;
  readonly #clock: SimClock;
  readonly #data: GraphData;
  readonly #tokens = new TokenIssuer(GRAPH_ROLES);
  readonly #stats = new StatsRecorder();
  readonly #graph: GraphRequests;
  readonly #tokenConfig: TokenRouteConfig;
  readonly #pageSize: number;

  constructor(http: LoopbackServer, opts: GraphSimulatorOptions) {
    this.#http = http;
    this.url = http.url;
    this.#clock = opts.clock ?? systemClock;
    this.#tokenConfig = tokenRouteConfig(opts, SIM_APP, [...GRAPH_RESOURCES, this.url]);
    this.#pageSize = opts.pageSize ?? SIM_PAGE_SIZE;
    this.#data = new GraphData(opts.seed ?? SIM_SEED, this.#tokenConfig.tenantId, this.#clock.now());
    this.#graph = new GraphRequests({
      tokens: this.#tokens,
      throttle: opts.throttle === false ? null : new SlidingWindowThrottle(),
      pages: new CollectionPages(this.#data, this.url, this.#pageSize),
      stats: this.#stats,
    });
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  addRecords(service: GraphService, count: number, range: TimeRange): GraphRecord[] {
    return this.#data.addRecords(service, count, range);
  }

  insertLate(service: GraphService, count: number, at: number): GraphRecord[] {
    return this.#data.insertLate(service, count, at);
  }

  updateAlertV2(id: string, at: number): GraphRecord {
    return this.#data.updateAlertV2(id, at);
  }

  records(service: GraphService): readonly GraphRecord[] {
    return this.#data.records(service);
  }

  stats(): GraphSimulatorStats {
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
    const clientRequestId = requestHeader(req, 'client-request-id') ?? randomUUID();
    let endpointName = 'not_found';
    const send = (status: number, body: object, headers: Record<string, string>): void => {
      this.#stats.record(endpointName, { at, path: target, status });
      sendJson(res, status, body, {
        'request-id': requestId,
        'client-request-id': clientRequestId,
        ...headers,
      });
    };
    const sendGraph = (reply: GraphReply): void =>
      send(reply.status, reply.body, { 'Content-Type': GRAPH_CONTENT_TYPE, ...reply.headers });
    const sendGraphError = (err: GraphError): void =>
      sendGraph({
        status: err.status,
        body: graphErrorBody(err, { requestId, clientRequestId }, at),
        headers: { ...err.headers },
      });
    try {
      const token = await answerTokenRoute(req, url.pathname, this.#tokenConfig, this.#tokens, {
        failSecret: this.scenario.failSecret === true,
        requestId,
        now: at,
      });
      if (token !== undefined) {
        endpointName = `token_${token.version}`;
        if (token.ok) this.#stats.tokensIssued += 1;
        send(token.status, token.body, token.headers);
        return;
      }
      const endpoint = endpointForPath(url.pathname);
      if (endpoint === undefined) {
        const segment = url.pathname.split('/').filter(Boolean).at(-1) ?? '';
        sendGraphError(
          new GraphError(404, 'ResourceNotFound', `Resource not found for the segment '${segment}'.`),
        );
        return;
      }
      endpointName = endpoint.service;
      const reply = this.#graph.handle(
        endpoint,
        req.method ?? 'GET',
        url.searchParams,
        requestHeader(req, 'authorization'),
        this.scenario,
        at,
      );
      sendGraph(reply);
    } catch (err) {
      if (err instanceof GraphError) sendGraphError(err);
      else sendGraphError(new GraphError(500, 'InternalServerError', `Simulator failure: ${String(err)}`));
    }
  }
}

export function startGraphSimulator(opts: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  return startLoopbackServer((http) => new Simulator(http, opts));
}
