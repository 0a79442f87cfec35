// What is message-trace-specific on top of the polling contract (core/polling): the back end's client
// (token, the per-tenant budget), one query per window with next-link paging, the row key and time,
// and the set-up log lines. Windows run from now - cutoff (+ margin) to now - delay; the contract's
// late re-read sees a row again after its status changed, and the key (trace id, recipient, status)
// sends each status once.
import type { Puller, PullerContext } from '../definition.ts';
import { checkPullable, sourceClient } from '../../core/polling/source-client.ts';
import { followPages } from '../../core/polling/paging.ts';
import { createWindowedPuller } from '../../core/polling/windowed-puller.ts';
import { ApiError } from '../../core/errors.ts';
import { traceBackend } from './backends.ts';
import { MESSAGE_TRACE_TAG, receivedAt, traceKey, type TraceEvent } from './trace-event.ts';
import type { TraceState } from './trace-state.ts';
import type { TraceInput, TraceServiceSettings } from './settings.ts';

const DAY_MS = 86_400_000;

export function createTracePuller(ctx: PullerContext<TraceState, TraceServiceSettings, TraceInput>): Puller {
  const { input, service, log, clock } = ctx;
  const backend = traceBackend(service.api, input);
  const tokens = ctx.http.tokenSource(backend.token);
  const origin = new URL(backend.endpoint).origin;
  const http = sourceClient(ctx, {
    tokens,
    // The budget is the tenant's, whichever app or input spends it.
    budgets: backend.budget
      ? [{ key: `message-trace|${origin}|${input.credentials.tenant_id}`, ...backend.budget }]
      : [],
  });
  const marginMs = input.max_historic_date_margin_seconds * 1000;
  const delayMs = service.override_time_delay_in_seconds * 1000;

  let windowStartedAt = 0;

  async function fetchPage(url: string, signal: AbortSignal) {
    const page = backend.parsePage((await http.getJson(url, signal)).body);
    if (page.malformed > 0)
      log.warn(
        { malformed: page.malformed, endpoint: backend.endpoint },
        'Skipped rows without a trace id, recipient or received time',
      );
    return { items: page.events, next: page.next };
  }

  return createWindowedPuller<TraceState>(ctx, {
    http,
    windows: {
      // The margin moves the start later, so it is still inside the API's limit when the request lands.
      historyMs: input.max_historic_date_cutoff_days_back * DAY_MS - marginMs,
      maxMs: backend.maxWindowMs,
      lateMs: service.late_arrival_window_in_seconds * 1000,
      delayMs,
      maxAgeMs: backend.maxAgeMs - marginMs,
    },
    async setup(signal) {
      log.info(
        { api: backend.api, tokenUrl: backend.token.tokenUrl },
        'Puller setup started: requesting an OAuth2 token',
      );
      const end = clock.now() - delayMs;
      const probe = (s: AbortSignal) => http.getJson(backend.windowUrl(end - 60_000, end), s);
      await checkPullable(tokens, probe, backend.endpoint, signal);
      const expiresAt = tokens.expiresAt();
      log.info(
        {
          tokenUrl: backend.token.tokenUrl,
          expiresInSeconds:
            expiresAt === undefined ? undefined : Math.round((expiresAt - clock.now()) / 1000),
        },
        'Received an OAuth2 token',
      );
      log.info(
        { api: backend.api, endpoint: backend.endpoint },
        'Puller setup finished: the source is pullable',
      );
    },
    async readWindow({ from, to }, page, signal) {
      windowStartedAt = clock.now();
      await followPages(backend.windowUrl(from, to), (url) => fetchPage(url, signal), page);
    },
    // Paging a window can take longer than the margin, and then the API refuses its start as too old
    // ("The StartDate can't be older than N days"): restart it inside the limit, with the time the
    // failed attempt took as extra headroom. Only rows about to expire from the API are skipped,
    // with the loop's warning.
    skipTo(err) {
      if (!(err instanceof ApiError) || err.status !== 400 || !/older than \d+ days/i.test(err.body))
        return undefined;
      const now = clock.now();
      return now - backend.maxAgeMs + marginMs + (now - windowStartedAt);
    },
    keyOf: (r) => traceKey(r as TraceEvent),
    // Queries start on a whole second (floored), so a re-read can return rows up to 1 s older than
    // the loop's prune horizon: keep each key 1 s longer, or such a row would be sent twice.
    timeOf: (r) => receivedAt(r as TraceEvent) + 1000,
    tagOf: () => MESSAGE_TRACE_TAG,
    load: (state) => ({
      watermark: state?.last_event_time_in_utc ? Date.parse(state.last_event_time_in_utc) : undefined,
      keys: state?.last_ids,
    }),
    save: (watermark, keys) => ({
      last_event_time_in_utc: watermark === undefined ? undefined : new Date(watermark).toISOString(),
      last_ids: keys,
    }),
  });
}
