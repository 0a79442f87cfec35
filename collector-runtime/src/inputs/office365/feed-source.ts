// What the content services and uri_retry share: the token, the request budget and the feed client of
// one input instance's tenant.
import { sourceClient } from '../../core/polling/source-client.ts';
import type { PullerContext } from '../definition.ts';
import { feedEndpoints, type FeedEndpoints } from './clouds.ts';
import { FeedClient } from './feed-client.ts';
import type { Office365Input } from './settings.ts';
import type { TokenSource } from '../../core/http/oauth-client-credentials.ts';

/** The documented baseline: 2,000 requests a minute per tenant (and publisher). */
export const TENANT_BUDGET = { limit: 2000, windowMs: 60_000 };

export function feedSource(ctx: PullerContext<unknown, unknown, Office365Input>): {
  feed: FeedClient;
  tokens: TokenSource;
  endpoints: FeedEndpoints;
} {
  const { input } = ctx;
  const endpoints = feedEndpoints(input);
  const tokens = ctx.http.tokenSource({
    tokenUrl: endpoints.tokenUrl,
    clientId: input.credentials.client_id,
    clientSecret: input.credentials.client_secret,
    target: { scope: endpoints.scope },
  });
  const http = sourceClient(ctx, {
    tokens,
    budgets: [{ key: `office365|${endpoints.feedUrl}|${input.credentials.client_id}`, ...TENANT_BUDGET }],
  });
  const feed = new FeedClient({
    http,
    tokens,
    feedUrl: endpoints.feedUrl,
    publisher: input.override_publisher_identifier ?? input.credentials.tenant_id,
    clock: ctx.clock,
    log: ctx.log,
    telemetry: ctx.telemetry,
  });
  return { feed, tokens, endpoints };
}

/** Runs `f` over `items` with at most `limit` in flight; results in item order. */
export async function inPool<T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
