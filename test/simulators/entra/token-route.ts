// The token endpoints as an HTTP route any simulator can mount: `/{tenant}/oauth2/token` (v1) and
// `/{tenant}/oauth2/v2.0/token` (v2), answered with Entra's headers and AADSTS error bodies.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { aadstsBody } from './aadsts-error.ts';
import { handleTokenRequest, type TokenEndpointConfig, type TokenEndpointVersion } from './token-endpoint.ts';
import type { TokenIssuer } from './token-issuer.ts';
import { readBody, requestHeader } from '../http-server.ts';

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/(v2\.0\/)?token\/?$/i;

export interface TokenRoute {
  readonly version: TokenEndpointVersion;
  readonly tenant: string;
}

/** The token route a path names, or undefined when it is not a token endpoint. */
function tokenRoute(pathname: string): TokenRoute | undefined {
  const m = TOKEN_PATH.exec(pathname);
  if (m === null) return undefined;
  return { version: m[2] === undefined ? 'v1' : 'v2', tenant: decodeURIComponent(m[1] ?? '') };
}

/** The app registration options a simulator takes; unset ones keep the simulator's defaults. */
export interface AppRegistrationOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
}

export type TokenRouteConfig = Omit<TokenEndpointConfig, 'failSecret'>;

/** The token endpoints' config: the test's app registration over the simulator's defaults. */
export function tokenRouteConfig(
  opts: AppRegistrationOptions,
  defaults: Omit<TokenRouteConfig, 'resources'>,
  resources: readonly string[],
): TokenRouteConfig {
  return {
    tenantId: opts.tenantId ?? defaults.tenantId,
    tenantDomain: defaults.tenantDomain,
    clientId: opts.clientId ?? defaults.clientId,
    clientSecret: opts.clientSecret ?? defaults.clientSecret,
    lifetimeSeconds: opts.tokenLifetimeSeconds ?? defaults.lifetimeSeconds,
    resources,
  };
}

export interface TokenReply {
  readonly version: TokenEndpointVersion;
  readonly ok: boolean;
  readonly status: number;
  readonly body: object;
  readonly headers: Record<string, string>;
}

/** One request to the token route: the simulator's scenario switch, its request id and its clock's time. */
export interface TokenRouteCall {
  /** The scenario's failSecret: every secret is refused (AADSTS7000215). */
  failSecret: boolean;
  requestId: string;
  now: number;
}

/**
 * Answers the request as Entra would when its path is a token endpoint (reading its body), or returns
 * undefined to leave it to the simulator's own routes.
 */
export async function answerTokenRoute(
  req: IncomingMessage,
  pathname: string,
  routeConfig: TokenRouteConfig,
  issuer: TokenIssuer,
  { failSecret, requestId, now }: TokenRouteCall,
): Promise<TokenReply | undefined> {
  const route = tokenRoute(pathname);
  if (route === undefined) return undefined;
  const config: TokenEndpointConfig = { ...routeConfig, failSecret };
  const clientRequestId = requestHeader(req, 'client-request-id') ?? randomUUID();
  const reply = handleTokenRequest(
    {
      ...route,
      method: req.method ?? 'GET',
      contentType: requestHeader(req, 'content-type'),
      body: await readBody(req),
      authorization: requestHeader(req, 'authorization'),
    },
    config,
    issuer,
    now,
  );
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store, no-cache',
    Pragma: 'no-cache',
    'x-ms-request-id': requestId,
  };
  return reply.ok
    ? { version: route.version, ok: true, status: 200, body: reply.body, headers }
    : {
        version: route.version,
        ok: false,
        status: reply.error.status,
        body: aadstsBody(reply.error, now, clientRequestId),
        headers,
      };
}
