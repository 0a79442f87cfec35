// What is Graph-specific in every Graph service: the client (token, per-API budget), OData pages, the
// setup probe, and the queries that read one window. Windows, watermark, late re-read, dedup and
// checkpoints are the shared polling loops' (core/polling).
import type { Puller, PullerContext } from '../definition.ts';
import type { HttpResponse } from '../../core/http/client.ts';
import { checkPullable, sourceClient } from '../../core/polling/source-client.ts';
import { followPages, type Page } from '../../core/polling/paging.ts';
import type { JsonRecord } from '../../core/polling/polling-source.ts';
import { createWindowedPuller } from '../../core/polling/windowed-puller.ts';
import { createSnapshotPuller } from '../../core/polling/snapshot-puller.ts';
import { explain, retentionStart } from './graph-errors.ts';
import { boundaryPager } from './boundary-paging.ts';
import { graphCursor, graphState, type GraphState } from './graph-state.ts';
import { graphEndpoints } from './endpoints.ts';
import { API_BUDGETS, type GraphServiceSpec } from './services.ts';
import { collectionUrl, isoTime, windowUrl } from './query.ts';
import type { GraphInput, GraphSnapshotSettings, GraphWindowSettings } from './settings.ts';

const DEFAULT_HISTORY_MS = 30 * 86_400_000; // 2.x change log: default start 30 days back

type GraphContext<Settings> = PullerContext<GraphState, Settings, GraphInput>;
type ODataPage = { value?: unknown; '@odata.nextLink'?: unknown };

/** The client, pages and setup every Graph service shares. */
function graphApi(ctx: GraphContext<unknown>, spec: GraphServiceSpec) {
  const { input } = ctx;
  const ep = graphEndpoints(input);
  const { tenant_id: tenant, client_id: clientId, client_secret: clientSecret } = input.credentials;
  const tokens = ctx.http.tokenSource({
    tokenUrl: ep.tokenUrl,
    clientId,
    clientSecret,
    target: { scope: ep.scope },
  });
  const http = sourceClient(ctx, {
    tokens,
    budgets: [{ key: `graph|${ep.baseUrl}|${tenant}|${clientId}|${spec.group}`, ...API_BUDGETS[spec.group] }],
  });

  async function get(url: string, signal: AbortSignal): Promise<HttpResponse<ODataPage>> {
    try {
      return await http.getJson<ODataPage>(url, signal);
    } catch (err) {
      throw explain(err, ctx.serviceName);
    }
  }

  async function fetchPage(url: string, signal: AbortSignal): Promise<Page<JsonRecord>> {
    const { body } = await get(url, signal);
    const value: unknown[] = Array.isArray(body.value) ? body.value : [];
    const next = body['@odata.nextLink'];
    return {
      items: value.filter((r): r is JsonRecord => typeof r === 'object' && r !== null),
      next: typeof next === 'string' ? next : undefined,
    };
  }

  return {
    ep,
    http,
    /** Follows @odata.nextLink from `url` to the end, handing each page to `onPage`. */
    pages: (url: string, signal: AbortSignal, onPage: (records: readonly JsonRecord[]) => Promise<void>) =>
      followPages(url, (u) => fetchPage(u, signal), onPage),

    /** A token, then one small request proving the credentials can read this API. */
    setup: (probeUrl: string, signal: AbortSignal) =>
      checkPullable(
        tokens,
        (sig) => get(probeUrl, sig),
        `${ep.baseUrl}/${spec.version}/${spec.path}`,
        signal,
      ),
  };
}

/** Time-based services: the shared window loop reading OData queries filtered on `timeField`. */
export function createGraphWindowPuller(
  ctx: GraphContext<GraphWindowSettings>,
  spec: GraphServiceSpec & { timeField: string },
): Puller {
  const api = graphApi(ctx, spec);
  const { additional_filter: additionalFilter, override_query_window_max_seconds: maxWindowSeconds } =
    ctx.service;
  const query = (from: string, to: string, extra: Partial<Parameters<typeof windowUrl>[0]> = {}) =>
    windowUrl({
      baseUrl: api.ep.baseUrl,
      version: spec.version,
      path: spec.path,
      timeField: spec.timeField,
      from,
      to,
      additionalFilter,
      top: spec.top,
      ...extra,
    });
  const boundaryPages = boundaryPager({
    timeField: spec.timeField,
    top: spec.top,
    log: ctx.log,
    run: (from, fromOp, to, onPage, signal) =>
      api.pages(query(from, to, { fromOp, orderBy: true }), signal, onPage),
  });

  return createWindowedPuller(ctx, {
    http: api.http,
    setup(signal) {
      const now = ctx.clock.now();
      const probe = query(isoTime(now - 60_000), isoTime(now), {
        additionalFilter: undefined,
        extraClause: spec.extraClauses?.[0],
        top: 1,
      });
      return api.setup(probe, signal);
    },
    windows: {
      historyMs: DEFAULT_HISTORY_MS,
      maxMs: maxWindowSeconds ? maxWindowSeconds * 1000 : Infinity,
      lateMs: ctx.service.late_arrival_window_in_seconds * 1000,
    },
    load: graphCursor,
    save: graphState,
    async readWindow(window, page, signal) {
      if (spec.paging === 'timeBoundary') return boundaryPages(window, page, signal);
      for (const extraClause of spec.extraClauses ?? [undefined])
        await api.pages(query(isoTime(window.from), isoTime(window.to), { extraClause }), signal, page);
    },
    keyOf: spec.keyOf,
    timeOf: (r) => Date.parse(String(r[spec.timeField])),
    tagOf: spec.tagFor,
    // Older history than the tenant keeps (7 days free, 30 with P1/P2): start at what it keeps.
    skipTo: retentionStart,
  });
}

/** secure_score_control_profiles: the shared snapshot loop over the whole collection. */
export function createGraphSnapshotPuller(
  ctx: GraphContext<GraphSnapshotSettings>,
  spec: GraphServiceSpec,
): Puller {
  const api = graphApi(ctx, spec);
  const url = (top: number, additionalFilter?: string) =>
    collectionUrl({ baseUrl: api.ep.baseUrl, version: spec.version, path: spec.path, top, additionalFilter });
  return createSnapshotPuller(ctx, {
    http: api.http,
    setup: (signal) => api.setup(url(1), signal),
    load: (state) => state?.last_ids,
    save: (keys) => graphState(undefined, keys),
    async readAll(page, signal) {
      await api.pages(url(spec.top, ctx.service.additional_filter), signal, page);
    },
    keyOf: spec.keyOf,
    tagOf: spec.tagFor,
  });
}
