// OAuth2 client-credentials token endpoints, v1 (`/oauth2/token`, resource=) and v2
// (`/oauth2/v2.0/token`, scope=<resource>/.default), with Entra's validation order and error codes.

import { aadsts, type AadstsError } from './aadsts-error.ts';
import type { TokenIssuer } from './token-issuer.ts';

export type TokenEndpointVersion = 'v1' | 'v2';

export interface TokenRequest {
  readonly version: TokenEndpointVersion;
  readonly tenant: string;
  readonly method: string;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly authorization: string | undefined;
}

export interface TokenEndpointConfig {
  readonly tenantId: string;
  readonly tenantDomain: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly lifetimeSeconds: number;
  /** Resources (audiences) a token may be issued for, compared without a trailing slash, case-insensitively. */
  readonly resources: readonly string[];
  /** Scenario knob: reject even the right secret. */
  readonly failSecret: boolean;
}

export type TokenResponse =
  | { readonly ok: true; readonly body: Record<string, string | number> }
  | { readonly ok: false; readonly error: AadstsError };

const missing = (name: string): AadstsError =>
  aadsts(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);

/** Client id and secret from the form, or from an HTTP Basic header as v2 also allows. */
function clientCredentials(
  form: URLSearchParams,
  authorization: string | undefined,
): { id: string | null; secret: string | null } {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (basic !== null) {
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  return { id: form.get('client_id'), secret: form.get('client_secret') };
}

const normalise = (resource: string): string => resource.replace(/\/+$/, '').toLowerCase();

/** Returns the requested resource, or the error Entra would give for the request's target parameters. */
function requestedResource(req: TokenRequest, form: URLSearchParams): string | AadstsError {
  if (req.version === 'v1') {
    return form.get('resource') ?? missing('resource');
  }
  if (form.has('resource')) {
    return aadsts(400, 'invalid_request', 901002, "The 'resource' request parameter is not supported.");
  }
  const scope = form.get('scope')?.trim();
  if (scope === undefined || scope === '') return missing('scope');
  if (/\s/.test(scope)) {
    return aadsts(
      400,
      'invalid_scope',
      700022,
      `The provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
    );
  }
  if (!scope.endsWith('/.default')) {
    return aadsts(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  return scope.slice(0, -'/.default'.length);
}

export function handleTokenRequest(
  req: TokenRequest,
  config: TokenEndpointConfig,
  issuer: TokenIssuer,
  now: number,
): TokenResponse {
  const fail = (error: AadstsError): TokenResponse => ({ ok: false, error });
  if (req.method !== 'POST') {
    return fail(
      aadsts(
        400,
        'invalid_request',
        900561,
        `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method} request.`,
      ),
    );
  }
  const tenant = req.tenant.toLowerCase();
  if (tenant !== config.tenantId.toLowerCase() && tenant !== config.tenantDomain.toLowerCase()) {
    return fail(
      aadsts(
        400,
        'invalid_request',
        90002,
        `Tenant '${req.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      ),
    );
  }
  const isForm = (req.contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  const form = new URLSearchParams(isForm ? req.body : '');
  const grantType = form.get('grant_type');
  if (grantType === null || grantType === '') {
    return fail(
      aadsts(
        400,
        'invalid_request',
        90014,
        "The required field 'grant_type' is missing from the credential. Ensure that you have all the necessary parameters for the login request.",
      ),
    );
  }
  if (grantType !== 'client_credentials') {
    return fail(
      aadsts(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      ),
    );
  }
  const resource = requestedResource(req, form);
  if (typeof resource !== 'string') return fail(resource);
  const client = clientCredentials(form, req.authorization);
  if (client.id === null || client.id === '') return fail(missing('client_id'));
  if (client.id.toLowerCase() !== config.clientId.toLowerCase()) {
    return fail(
      aadsts(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${client.id}' was not found in the directory '${config.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      ),
    );
  }
  if (!config.resources.some((r) => normalise(r) === normalise(resource))) {
    return fail(
      aadsts(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${config.tenantDomain}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      ),
    );
  }
  if (client.secret === null || client.secret === '') {
    return fail(
      aadsts(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      ),
    );
  }
  if (config.failSecret || client.secret !== config.clientSecret) {
    return fail(
      aadsts(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${config.clientId}'.`,
      ),
    );
  }
  const token = issuer.issue(config.tenantId, config.clientId, resource, now, config.lifetimeSeconds);
  const lifetime = config.lifetimeSeconds;
  if (req.version === 'v2') {
    return {
      ok: true,
      body: {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: token.accessToken,
      },
    };
  }
  // v1 sends every number as a string (docs/sources/microsoft-graph.md "Token endpoint bodies").
  const issuedSeconds = Math.floor(token.issuedAt / 1000);
  return {
    ok: true,
    body: {
      token_type: 'Bearer',
      expires_in: String(lifetime),
      ext_expires_in: String(lifetime),
      expires_on: String(Math.floor(token.expiresAt / 1000)),
      not_before: String(issuedSeconds - 300),
      resource,
      access_token: token.accessToken,
    },
  };
}
