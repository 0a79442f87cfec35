// One puller for every Graph service. Time-based services walk [watermark - late window, now) in windows
// of at most override_query_window_max_seconds, follow @odata.nextLink verbatim, drop records already
// sent (exact recent-key set), and commit after every page: events first, checkpoint second. The
// watermark moves only when a whole window has been delivered, so a crash re-reads, never skips.
import type { OutEvent, Puller, PullerContext, PullSummary } from '../definition.ts';
import type { HttpClient } from '../../core/http/client.ts';
import { CollectorError } from '../../core/errors.ts';
import { explain, retentionStart } from './graph-errors.ts';
import type { GraphState } from './graph-state.ts';
import { RecentKeys } from '../../dedup/recent-keys.ts';
import { graphEndpoints } from './endpoints.ts';
import { API_BUDGETS, SIGN_IN_EVENT_TYPES, type GraphServiceSpec } from './services.ts';
import { collectionUrl, isoTime, windowUrl } from './query.ts';

const DEFAULT_HISTORY_MS = 30 * 86_400_000; // seed 003 change log: default start 30 days back
const MAX_PAGES_PER_QUERY = 100_000;

export function createGraphPuller(ctx: PullerContext<GraphState>, spec: GraphServiceSpec): Puller {
  const { input, service, clock, log } = ctx;
  const ep = graphEndpoints(input);
  const tokens = ctx.http.tokenSource({
    tokenUrl: ep.tokenUrl,
    clientId: input.credentials.client_id!,
    clientSecret: input.credentials.client_secret!,
    target: { scope: ep.scope },
  });
  const tenant = input.credentials.tenant_id;
  const limiters = [
    ctx.http.limiter(
      `graph|${ep.baseUrl}|${tenant}|${input.credentials.client_id}|${spec.group}`,
      API_BUDGETS[spec.group],
    ),
  ];
  if (input.requests_per_second)
    limiters.push(
      ctx.http.limiter(`rps|${ctx.inputName}|${input.id}`, {
        limit: input.requests_per_second,
        windowMs: 1000,
      }),
    );
  const http: HttpClient = ctx.http.client({ tokens, limiters });

  const overrideTag = service.override_tag;
  const additionalFilter = service.additional_filter as string | undefined;
  const maxWindowMs = service.override_query_window_max_seconds
    ? Number(service.override_query_window_max_seconds) * 1000
    : Infinity;
  const lateMs = Number(service.late_arrival_window_in_seconds ?? 900) * 1000;

  let fullPage = 0; // the largest page the API has returned: its real page size, once seen
  let watermark = ctx.state?.last_event_time_in_utc
    ? Date.parse(ctx.state.last_event_time_in_utc)
    : undefined;
  let seen = RecentKeys.from(ctx.state?.last_ids);

  const tagOf = (r: Record<string, unknown>) => overrideTag ?? spec.tagFor(r);
  const snapshot = (): GraphState => ({
    last_event_time_in_utc: watermark !== undefined ? isoTime(watermark) : undefined,
    last_ids: seen.toJSON(),
  });

  async function get(url: string, signal: AbortSignal) {
    try {
      return await http.getJson<{ value?: unknown; '@odata.nextLink'?: unknown }>(url, signal);
    } catch (err) {
      throw explain(err, ctx.serviceName);
    }
  }

  /** Follows one query's pages to the end, handing each page's records to `onPage`. */
  async function pages(
    firstUrl: string,
    signal: AbortSignal,
    onPage: (records: Record<string, unknown>[]) => Promise<void>,
  ) {
    let url: string | undefined = firstUrl;
    const visited = new Set<string>();
    while (url) {
      if (visited.has(url) || visited.size > MAX_PAGES_PER_QUERY)
        throw new CollectorError('CR_ERR_API', `the API returned a nextLink loop at ${url.split('?')[0]}`, {
          retryable: true,
        });
      visited.add(url);
      const res = await get(url, signal);
      const value = Array.isArray(res.body.value) ? (res.body.value as Record<string, unknown>[]) : [];
      await onPage(value);
      const next = res.body['@odata.nextLink'];
      url = typeof next === 'string' && next ? next : undefined;
    }
  }

  /** Drops records already delivered; remembers the new ones in `pending` (not in `seen` until committed). */
  function fresh(records: Record<string, unknown>[], summary: PullSummary, fallbackTime: number) {
    const out: OutEvent[] = [];
    const keys: [string, number][] = [];
    const inPage = new Set<string>();
    for (const r of records) {
      if (!r || typeof r !== 'object') continue;
      summary.received++;
      const key = spec.keyOf(r);
      if (seen.has(key) || inPage.has(key)) {
        summary.duplicates++;
        continue;
      }
      inPage.add(key);
      const t = spec.timeField ? Date.parse(String(r[spec.timeField])) : NaN;
      keys.push([key, Number.isNaN(t) ? fallbackTime : t]);
      out.push({ tag: tagOf(r), record: r });
    }
    return { out, keys };
  }

  async function commitPage(out: OutEvent[], keys: [string, number][], summary: PullSummary) {
    const next = seen.clone();
    for (const [k, t] of keys) next.add(k, t);
    const state = {
      last_event_time_in_utc: watermark !== undefined ? isoTime(watermark) : undefined,
      last_ids: next.toJSON(),
    };
    await ctx.commit(out, state);
    seen = next;
    summary.sent += out.length;
  }

  async function pullWindows(signal: AbortSignal, summary: PullSummary) {
    const now = clock.now();
    const start = service.start_time_in_utc ?? now - DEFAULT_HISTORY_MS;
    watermark ??= start;
    // Re-read a trailing window for records that arrive late; dedup absorbs what was already sent.
    let from = Math.max(start, watermark - lateMs);
    while (from < now && !signal.aborted) {
      const to = Math.min(now, from + maxWindowMs);
      const queries =
        ctx.serviceName === 'signIns_v2'
          ? SIGN_IN_EVENT_TYPES.map((t) => `signInEventTypes/any(t: t eq '${t}')`)
          : [undefined];
      try {
        await pullWindow(from, to, queries, signal, summary);
      } catch (err) {
        // Older history than the tenant keeps (7 days free, 30 with P1/P2): start at what it keeps.
        const kept = retentionStart(err);
        if (kept === undefined || kept <= from) throw err;
        log.warn(
          { requested: isoTime(from), available: isoTime(kept) },
          'Skipped history older than the API keeps; set start_time_in_utc within the retention period',
        );
        watermark = Math.max(watermark, kept);
        from = kept;
        continue;
      }
      // The whole window is delivered: move the watermark and forget keys no query can return again.
      watermark = Math.max(watermark, to);
      seen.prune(watermark - lateMs);
      await ctx.commit([], snapshot());
      ctx.telemetry.checkpoint(watermark);
      from = to;
    }
    summary.upToDate = from >= now;
  }

  async function pullWindow(
    from: number,
    to: number,
    queries: (string | undefined)[],
    signal: AbortSignal,
    summary: PullSummary,
  ) {
    for (const extraClause of queries) {
      if (spec.paging === 'timeBoundary') await boundaryPages(from, to, signal, summary);
      else {
        const url = windowUrl({
          baseUrl: ep.baseUrl,
          version: spec.version,
          path: spec.path,
          timeField: spec.timeField!,
          from: isoTime(from),
          to: isoTime(to),
          additionalFilter,
          extraClause,
          top: spec.top,
        });
        await pages(url, signal, async (records) => {
          const { out, keys } = fresh(records, summary, to);
          await commitPage(out, keys, summary);
        });
      }
    }
  }

  /**
   * alerts_v2 often returns no nextLink and fails for $skip > 500 (research D5): page by moving the lower
   * time bound to the newest lastUpdateDateTime seen, ordered ascending; `ge` re-reads the boundary
   * instant and dedup (id + lastUpdateDateTime) absorbs it.
   */
  async function boundaryPages(from: number, to: number, signal: AbortSignal, summary: PullSummary) {
    let cursor = isoTime(from);
    let op: 'ge' | 'gt' = 'ge';
    for (let guard = 0; guard < MAX_PAGES_PER_QUERY; guard++) {
      const url = windowUrl({
        baseUrl: ep.baseUrl,
        version: spec.version,
        path: spec.path,
        timeField: spec.timeField!,
        from: cursor,
        fromOp: op,
        to: isoTime(to),
        additionalFilter,
        top: spec.top,
        orderBy: true,
      });
      let count = 0;
      let pageCount = 0;
      let newest: string | undefined;
      await pages(url, signal, async (records) => {
        pageCount++;
        count += records.length;
        for (const r of records) {
          const t = r[spec.timeField!];
          if (typeof t === 'string' && (newest === undefined || Date.parse(t) >= Date.parse(newest)))
            newest = t;
        }
        const { out, keys } = fresh(records, summary, to);
        await commitPage(out, keys, summary);
      });
      // The API clamps $top to a page size it does not announce: learn it from the largest page seen.
      fullPage = Math.max(fullPage, count);
      // Done when the page was not full, or when the server paged the window itself (it sent nextLinks).
      if (count === 0 || newest === undefined || pageCount > 1 || count < Math.min(spec.top, fullPage))
        return;
      if (newest === cursor && op === 'ge') {
        // A full page of one instant: step past it (records beyond the page at that instant cannot be paged).
        log.warn({ at: newest }, 'Stepped past a full page of alerts with identical lastUpdateDateTime');
        op = 'gt';
      } else {
        op = 'ge';
        cursor = newest;
      }
    }
  }

  async function pullSnapshot(signal: AbortSignal, summary: PullSummary) {
    const all: Record<string, unknown>[] = [];
    await pages(
      collectionUrl({
        baseUrl: ep.baseUrl,
        version: spec.version,
        path: spec.path,
        top: spec.top,
        additionalFilter,
      }),
      signal,
      async (records) => {
        all.push(...records);
      },
    );
    const { out } = fresh(all, summary, clock.now());
    // The set of current versions replaces the old one: a profile that changes back is sent again.
    const current = RecentKeys.from(all.map((r) => [spec.keyOf(r), 0] as [string, number]));
    await ctx.commit(out, { last_event_time_in_utc: undefined, last_ids: current.toJSON() });
    seen = current;
    summary.sent += out.length;
    summary.upToDate = true;
  }

  return {
    async setup(signal) {
      try {
        await tokens.get(signal);
      } catch (err) {
        throw new CollectorError('CR_ERR_INPUT_SETUP', `SetupError 101: ${(err as Error).message}`, {
          cause: err,
          retryable: (err as CollectorError).retryable ?? false,
        });
      }
      // One small request proves the credentials can read this API (the seeds' SetupError 102).
      const now = clock.now();
      const probe = spec.timeField
        ? windowUrl({
            baseUrl: ep.baseUrl,
            version: spec.version,
            path: spec.path,
            timeField: spec.timeField,
            from: isoTime(now - 60_000),
            to: isoTime(now),
            extraClause:
              ctx.serviceName === 'signIns_v2'
                ? `signInEventTypes/any(t: t eq 'interactiveUser')`
                : undefined,
            top: 1,
          })
        : collectionUrl({ baseUrl: ep.baseUrl, version: spec.version, path: spec.path, top: 1 });
      try {
        await get(probe, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        throw new CollectorError(
          'CR_ERR_INPUT_SETUP',
          `SetupError 102: Failed to fetch data from ${ep.baseUrl}/${spec.version}/${spec.path}. Source is not pullable: ${(err as Error).message}`,
          { cause: err, retryable: (err as CollectorError).retryable ?? false },
        );
      }
    },
    async pull(signal) {
      const summary: PullSummary = { requests: 0, received: 0, duplicates: 0, sent: 0, upToDate: false };
      const before = http.requests;
      try {
        if (spec.paging === 'snapshot') await pullSnapshot(signal, summary);
        else await pullWindows(signal, summary);
      } finally {
        summary.requests = http.requests - before;
        ctx.telemetry.received(summary.received);
        ctx.telemetry.duplicates(summary.duplicates);
        ctx.telemetry.dedupFill(seen.size / 1_000_000);
      }
      return summary;
    },
  };
}
