// Serves one page of a Graph collection: query -> (cached) snapshot result set -> page -> OData body.

import type { GraphEndpoint } from './endpoints.ts';
import { filterMentions, matchesFilter } from './filter-match.ts';
import type { GraphData } from './graph-data.ts';
import type { FilterNode } from './odata-filter.ts';
import { encodeCursor, type PageCursor } from './page-cursor.ts';
import { cutPage } from './paging.ts';
import { firstCursor, parseEndpointFilter } from './query-options.ts';
import type { GraphRecord } from './record-context.ts';
import type { StoredRecord } from './record-store.ts';
import type { Scenario } from './scenario.ts';
import { isInteractiveSignIn } from './sign-in-records.ts';

export interface CollectionPage {
  readonly body: object;
  readonly injectedEmpty: boolean;
  readonly duplicated: boolean;
}

const CACHE_SIZE = 64;

export class CollectionPages {
  readonly #data: GraphData;
  readonly #baseUrl: string;
  readonly #pageSize: number;
  // Following a nextLink re-runs the same query on the same snapshot; cache the sorted result.
  readonly #results = new Map<string, readonly GraphRecord[]>();

  constructor(data: GraphData, baseUrl: string, pageSize: number) {
    this.#data = data;
    this.#baseUrl = baseUrl;
    this.#pageSize = pageSize;
  }

  serve(endpoint: GraphEndpoint, params: URLSearchParams, scenario: Scenario): CollectionPage {
    const properties = this.#data.properties(endpoint.service);
    const cursor = firstCursor(params, {
      endpoint,
      pageSize: this.#pageSize,
      properties,
      version: this.#data.version,
    });
    const results = this.#resultSet(endpoint, cursor);
    const nextLinks = endpoint.service !== 'alerts_v2' || scenario.alertsV2NextLink === true;
    const page = cutPage(results, cursor, {
      nextLinks,
      emptyPageEvery: scenario.emptyPageEvery,
      duplicateEvery: scenario.duplicateEvery,
    });
    const [, apiVersion] = endpoint.path.split('/');
    const selected = cursor.select === null ? '' : `(${cursor.select.join(',')})`;
    const body: Record<string, unknown> = {
      '@odata.context': `${this.#baseUrl}/${apiVersion}/$metadata#${endpoint.entitySet}${selected}`,
    };
    if (cursor.count) body['@odata.count'] = results.length;
    body['value'] = cursor.select === null ? page.items : page.items.map((r) => pick(r, cursor.select ?? []));
    if (page.next !== null) {
      body['@odata.nextLink'] =
        `${this.#baseUrl}${endpoint.path}?$top=${page.next.top}&$skiptoken=${encodeCursor(page.next)}`;
    }
    return { body, injectedEmpty: page.injectedEmpty, duplicated: page.duplicated };
  }

  #resultSet(endpoint: GraphEndpoint, cursor: PageCursor): readonly GraphRecord[] {
    const key = [endpoint.service, cursor.version, cursor.order, cursor.filter ?? ''].join('\u0000');
    const cached = this.#results.get(key);
    if (cached !== undefined) {
      this.#results.delete(key); // refresh its place in the LRU order
      this.#results.set(key, cached);
      return cached;
    }
    const properties = this.#data.properties(endpoint.service);
    const filter =
      cursor.filter === null ? null : parseEndpointFilter(cursor.filter, { endpoint, properties });
    const results = this.#compute(endpoint, cursor, filter);
    this.#results.set(key, results);
    if (this.#results.size > CACHE_SIZE) {
      const oldest = this.#results.keys().next().value;
      if (oldest !== undefined) this.#results.delete(oldest);
    }
    return results;
  }

  #compute(endpoint: GraphEndpoint, cursor: PageCursor, filter: FilterNode | null): GraphRecord[] {
    const { service, timeField } = endpoint;
    let entries = this.#data.snapshot(service, cursor.version);
    // v1.0 only ever shows interactive sign-ins; beta too unless the filter asks for event types.
    const interactiveOnly =
      service === 'signIns' ||
      (service === 'signIns_v2' && (filter === null || !filterMentions(filter, 'signInEventTypes')));
    if (interactiveOnly) entries = entries.filter((e) => isInteractiveSignIn(e.record));
    if (filter !== null) {
      entries = entries.filter((e) => {
        const indexed = timeField === null ? undefined : { field: timeField, key: e.timeKey };
        return matchesFilter(filter, this.#data.view(service, e.record), indexed);
      });
    }
    if (timeField !== null) entries = [...entries].sort(byTime(cursor.order));
    return entries.map((e) => this.#data.view(service, e.record));
  }
}

/** Time order, then id so that equal timestamps still page deterministically. */
function byTime(order: 'asc' | 'desc'): (a: StoredRecord, b: StoredRecord) => number {
  const sign = order === 'asc' ? 1 : -1;
  return (a, b) => {
    if (a.timeKey !== b.timeKey) return a.timeKey < b.timeKey ? -sign : sign;
    return a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0;
  };
}

function pick(record: GraphRecord, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = record[name];
  return out;
}
