// What every polling source does the same way around its HTTP calls: one client per service that
// honours the API's budget (shared by key across services) and the input's requests_per_second cap,
// and a setup that proves the credentials and the API work before the first pull (SetupError 101/102).
import type { CommonInputSettings, PullerContext } from '../../inputs/definition.ts';
import type { HttpClient, HttpClientOptions } from '../http/client.ts';
import type { TokenSource } from '../http/oauth-client-credentials.ts';
import { CollectorError } from '../errors.ts';

export interface ApiBudget {
  /** Services spending the same budget share one key (e.g. API host + tenant + app + API group). */
  key: string;
  limit: number;
  windowMs: number;
}

export function sourceClient(
  ctx: Pick<PullerContext<unknown, unknown, CommonInputSettings>, 'http' | 'input' | 'inputName'>,
  opts: { tokens: TokenSource; budgets: readonly ApiBudget[]; headers?: HttpClientOptions['headers'] },
): HttpClient {
  const limiters = opts.budgets.map(({ key, limit, windowMs }) => ctx.http.limiter(key, { limit, windowMs }));
  const rps = ctx.input.requests_per_second;
  if (rps)
    limiters.push(ctx.http.limiter(`rps|${ctx.inputName}|${ctx.input.id}`, { limit: rps, windowMs: 1000 }));
  return ctx.http.client({ tokens: opts.tokens, limiters, headers: opts.headers });
}

/**
 * Gets a token (SetupError 101), then makes one small request (SetupError 102) so a wrong permission
 * or URL fails at start-up with a clear message rather than at the first pull.
 */
export async function checkPullable(
  tokens: TokenSource,
  probe: (signal: AbortSignal) => Promise<unknown>,
  endpoint: string,
  signal: AbortSignal,
): Promise<void> {
  try {
    await tokens.get(signal);
  } catch (err) {
    throw new CollectorError('CR_ERR_INPUT_SETUP', `SetupError 101: ${(err as Error).message}`, {
      cause: err,
      retryable: (err as CollectorError).retryable ?? false,
    });
  }
  try {
    await probe(signal);
  } catch (err) {
    if (signal.aborted) throw err;
    throw new CollectorError(
      'CR_ERR_INPUT_SETUP',
      `SetupError 102: Failed to fetch data from ${endpoint}. Source is not pullable: ${(err as Error).message}`,
      { cause: err, retryable: (err as CollectorError).retryable ?? false },
    );
  }
}
