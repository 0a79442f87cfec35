// The checks a Graph collection request goes through, in Graph's order: token, forced faults,
// throttling budget, licence, then the query itself.

import { ALERT_PROVIDERS } from './legacy-alert-records.ts';
import type { GraphEndpoint } from './endpoints.ts';
import { GraphError } from './graph-errors.ts';
import type { CollectionPages } from './collection-pages.ts';
import { DEFAULT_ALERTS_PARTIAL_EVERY, takeForced429, takeForced5xx, type Scenario } from './scenario.ts';
import type { StatsRecorder } from './stats.ts';
import { formatRetryAfter, type SlidingWindowThrottle } from './throttle.ts';
import type { TokenIssuer } from '../entra/token-issuer.ts';

export interface GraphRequestDeps {
  readonly tokens: TokenIssuer;
  /** null when throttling is switched off. */
  readonly throttle: SlidingWindowThrottle | null;
  readonly pages: CollectionPages;
  readonly stats: StatsRecorder;
}

export interface GraphReply {
  readonly status: number;
  readonly body: object;
  readonly headers: Record<string, string>;
}

const AUTH_MESSAGES = {
  missing: 'Access token is empty.',
  unknown: 'Access token validation failure. Invalid audience.',
  expired: 'Lifetime validation failed, the token is expired.',
  revoked: 'Lifetime validation failed, the token is expired.',
} as const;

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

const SERVER_ERRORS: Readonly<Record<number, readonly [string, string]>> = {
  500: ['InternalServerError', 'An internal server error occurred.'],
  502: ['BadGateway', 'The server received an invalid response from an upstream server.'],
  503: ['ServiceNotAvailable', 'The service is temporarily unavailable. Please retry later.'],
  504: ['GatewayTimeout', 'The request timed out.'],
};

export class GraphRequests {
  readonly #deps: GraphRequestDeps;
  #alertsServed = 0;

  constructor(deps: GraphRequestDeps) {
    this.#deps = deps;
  }

  /** Handles a GET on a collection; throws GraphError for every error reply. */
  handle(
    endpoint: GraphEndpoint,
    method: string,
    params: URLSearchParams,
    authorization: string | undefined,
    scenario: Scenario,
    now: number,
  ): GraphReply {
    if (method !== 'GET')
      throw new GraphError(
        405,
        'Request_BadRequest',
        `The HTTP method '${method}' is not allowed for this resource.`,
      );
    const check = this.#deps.tokens.check(authorization, now);
    if (!check.valid) {
      throw new GraphError(401, 'InvalidAuthenticationToken', AUTH_MESSAGES[check.reason], {
        'WWW-Authenticate': WWW_AUTHENTICATE,
      });
    }
    const forcedRetryAfter = takeForced429(scenario);
    if (forcedRetryAfter !== undefined) {
      throw new GraphError(
        429,
        'TooManyRequests',
        'Please retry again later.',
        forcedRetryAfter === null ? {} : { 'Retry-After': forcedRetryAfter },
      );
    }
    const forcedStatus = takeForced5xx(scenario);
    if (forcedStatus !== undefined) {
      const [code, message] = SERVER_ERRORS[forcedStatus] ?? [
        'UnknownError',
        'An unexpected error occurred.',
      ];
      throw new GraphError(forcedStatus, code, message);
    }
    if (this.#deps.throttle !== null) {
      const key = `${check.token.tenantId}\u0000${check.token.appId}`;
      const decision = this.#deps.throttle.admit(endpoint.group, key, now);
      if (!decision.admitted) {
        throw new GraphError(429, 'TooManyRequests', 'Too many requests. Please retry again later.', {
          'Retry-After': formatRetryAfter(decision.retryAfterMs),
        });
      }
    }
    if (
      scenario.licenceError === true &&
      (endpoint.service === 'signIns' || endpoint.service === 'signIns_v2')
    ) {
      throw new GraphError(
        403,
        'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
        "Neither tenant is B2C or tenant doesn't have premium license",
      );
    }
    if (scenario.retentionDays !== undefined && endpoint.group === 'identity' && endpoint.timeField) {
      const minimum = now - scenario.retentionDays * 86_400_000;
      const lower = new RegExp(`${endpoint.timeField} (?:ge|gt|eq) (\\S+)`).exec(params.get('$filter') ?? '');
      if (lower && Date.parse(lower[1]!) < minimum) {
        throw new GraphError(
          400,
          'BadRequest',
          `Invalid filter clause: Minimum allowed time for ${endpoint.timeField} is ${new Date(minimum).toISOString()}`,
        );
      }
    }
    const page = this.#deps.pages.serve(endpoint, params, scenario);
    if (page.injectedEmpty) this.#deps.stats.emptyPages += 1;
    if (page.duplicated) this.#deps.stats.duplicatesServed += 1;
    if (endpoint.service === 'alerts') return this.#legacyAlertsReply(page.body, scenario);
    return { status: 200, body: page.body, headers: {} };
  }

  /** Legacy alerts aggregate providers; some responses say one provider failed (206 + Warning). */
  #legacyAlertsReply(body: object, scenario: Scenario): GraphReply {
    this.#alertsServed += 1;
    const every = scenario.alertsPartialEvery ?? DEFAULT_ALERTS_PARTIAL_EVERY;
    if (every <= 0 || this.#alertsServed % every !== 0) return { status: 200, body, headers: {} };
    const provider =
      ALERT_PROVIDERS[(this.#alertsServed / every) % ALERT_PROVIDERS.length] ?? ALERT_PROVIDERS[0];
    const warning = `199 - "${provider?.vendor}/${provider?.provider}/504/10000"`;
    return { status: 206, body, headers: { Warning: warning } };
  }
}
