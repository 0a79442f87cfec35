// OAuth2 client-credentials tokens for Microsoft identity platform v1 (resource=) and v2 (scope=)
// endpoints: cached, refreshed ahead of expiry, single-flight, invalidated once on a 401.
import { httpRequest, readText, type HttpAgent, type HttpResult } from './transport.ts';
import type { Clock } from '../clock.ts';
import { CollectorError, truncate } from '../errors.ts';

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** v2 endpoints take `scope` (…/.default); v1 endpoints take `resource`. Never both (AADSTS901002). */
  target: { scope: string } | { resource: string };
}

export interface TokenSource {
  /** A valid access token, fetching a new one when the cached one is close to expiry. */
  get(signal?: AbortSignal): Promise<string>;
  /** The API rejected `token` (401): the next get() fetches a fresh one. */
  invalidate(token: string): void;
  /** When the cached token expires (epoch ms, the endpoint's expires_in), if there is one. */
  expiresAt(): number | undefined;
}

// Actionable meanings of the AADSTS codes a user can hit (docs/sources/microsoft-graph.md).
const AADSTS_HINTS: Record<number, string> = {
  7000215: 'the client secret is wrong: copy the secret VALUE (not its ID) from Certificates & secrets',
  7000222: 'the client secret has expired: create a new one in Certificates & secrets',
  700016: 'the application (client_id) was not found in this tenant: check client_id and tenant_id',
  90002: 'the tenant was not found: check tenant_id, and override_top_level_domain for government clouds',
  900023: 'tenant_id is not a valid tenant GUID or domain',
  500011: 'the API was not found in the tenant: check the scope/resource and the cloud (com/us)',
  70011: 'the scope is invalid: it must be one resource ending in /.default',
  901002: 'a v1 "resource" parameter was sent to a v2 token endpoint: check override_login_url',
  90014: 'a required field is missing in the token request: check the credentials',
  7000218: 'no client secret was sent: set credentials.client_secret',
  90038: 'the tenant belongs to another national cloud: set override_top_level_domain',
};
const RETRYABLE_AADSTS = new Set([90024, 90006, 90055]);

export interface TokenEvents {
  onRefresh?(result: 'success' | 'error'): void;
}

export interface IssuedToken {
  accessToken: string;
  /** As the endpoint said (v1 sends it as a string, v2 as an integer). */
  expiresInSeconds: number;
}

/**
 * One token request, no cache: what a token source does on a refresh, and what
 * `devo-collector validate --check-credentials` does once per credential set.
 * Throws CollectorError CR_ERR_INPUT_AUTH with the AADSTS reason and what to do about it.
 */
export async function requestToken(
  creds: ClientCredentials,
  deps: { dispatcher?: HttpAgent; signal?: AbortSignal } = {},
): Promise<IssuedToken> {
  const { signal } = deps;
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: creds.clientId,
    client_secret: creds.clientSecret,
    ...creds.target,
  });
  const where = `Failed to fetch OAuth token from ${creds.tokenUrl}`;
  let res: HttpResult;
  let text: string;
  try {
    res = await httpRequest(creds.tokenUrl, {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      ...(deps.dispatcher ? { agent: deps.dispatcher } : {}),
      ...(signal ? { signal } : {}),
      headersTimeoutMs: 30_000,
      bodyTimeoutMs: 30_000,
    });
    text = await readText(res.body);
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new CollectorError('CR_ERR_INPUT_AUTH', `${where}: ${(err as Error).message}`, {
      cause: err,
      retryable: true,
    });
  }
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* non-JSON bodies are reported as text below */
  }
  if (res.statusCode !== 200 || typeof body.access_token !== 'string') {
    const codes = Array.isArray(body.error_codes) ? (body.error_codes as number[]) : [];
    const code = codes[0];
    const hint = code !== undefined ? AADSTS_HINTS[code] : undefined;
    const desc =
      typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/)[0] : undefined;
    const detail = desc ?? truncate(text, 300);
    throw new CollectorError(
      'CR_ERR_INPUT_AUTH',
      `${where}: HTTP ${res.statusCode} ${String(body.error ?? '')} ${detail}${hint ? ` (${hint})` : ''}`.replace(
        /\s+/g,
        ' ',
      ),
      {
        retryable:
          res.statusCode >= 500 ||
          body.error === 'temporarily_unavailable' ||
          RETRYABLE_AADSTS.has(code ?? -1),
      },
    );
  }
  // v1 endpoints send numbers as strings; v2 as integers.
  return { accessToken: body.access_token, expiresInSeconds: Number(body.expires_in ?? 3599) };
}

export function clientCredentialsTokenSource(
  creds: ClientCredentials,
  deps: { clock: Clock; dispatcher?: HttpAgent; events?: TokenEvents; refreshMarginMs?: number },
): TokenSource {
  let cached: { token: string; refreshAt: number; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    const issued = await requestToken(creds, { dispatcher: deps.dispatcher, signal });
    const lifetimeMs = issued.expiresInSeconds * 1000;
    const now = deps.clock.now();
    // Refresh 5 minutes early, or at 80 % of a short lifetime.
    const margin = Math.min(deps.refreshMarginMs ?? 300_000, lifetimeMs * 0.2);
    cached = { token: issued.accessToken, refreshAt: now + lifetimeMs - margin, expiresAt: now + lifetimeMs };
    return issued.accessToken;
  }

  return {
    async get(signal) {
      if (cached && deps.clock.now() < cached.refreshAt) return cached.token;
      if (!inflight) {
        inflight = fetchToken(signal)
          .then(
            (t) => {
              deps.events?.onRefresh?.('success');
              return t;
            },
            (err: unknown) => {
              deps.events?.onRefresh?.('error');
              throw err;
            },
          )
          .finally(() => (inflight = undefined));
      }
      return inflight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
    expiresAt() {
      return cached?.expiresAt;
    },
  };
}
