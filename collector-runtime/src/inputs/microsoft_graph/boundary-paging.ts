// alerts_v2 often returns no nextLink and fails for $skip > 500 (docs/sources/microsoft-graph.md): page by moving the lower
// time bound to the newest lastUpdateDateTime seen, ordered ascending; `ge` re-reads the boundary
// instant and dedup (id + lastUpdateDateTime) absorbs it.
import type { Logger } from '../../logging/logger.ts';
import type { JsonRecord } from '../../core/polling/polling-source.ts';
import { MAX_PAGES_PER_QUERY } from '../../core/polling/paging.ts';
import type { TimeWindow } from '../../core/polling/windowed-puller.ts';
import { isoTime } from './query.ts';

type OnPage = (records: readonly JsonRecord[]) => Promise<void>;

export interface BoundaryQuery {
  timeField: string;
  /** The $top asked for. */
  top: number;
  /** Runs one query `timeField {op} from and timeField lt to`, ascending, following its pages; returns the page count. */
  run(from: string, op: 'ge' | 'gt', to: string, onPage: OnPage, signal: AbortSignal): Promise<number>;
  log: Logger;
}

/** Reads a window by time-boundary paging; remembers the API's real page size across windows. */
export function boundaryPager(
  q: BoundaryQuery,
): (window: TimeWindow, onPage: OnPage, signal: AbortSignal) => Promise<void> {
  let fullPage = 0; // the largest page the API has returned: its real page size, once seen
  return async ({ from, to }, onPage, signal) => {
    let cursor = isoTime(from);
    let op: 'ge' | 'gt' = 'ge';
    for (let guard = 0; guard < MAX_PAGES_PER_QUERY; guard++) {
      let count = 0;
      let newest: string | undefined;
      const pageCount = await q.run(
        cursor,
        op,
        isoTime(to),
        async (records) => {
          count += records.length;
          for (const r of records) {
            const t = r[q.timeField];
            if (typeof t === 'string' && (newest === undefined || Date.parse(t) >= Date.parse(newest)))
              newest = t;
          }
          await onPage(records);
        },
        signal,
      );
      // The API clamps $top to a page size it does not announce: learn it from the largest page seen.
      fullPage = Math.max(fullPage, count);
      // Done when the page was not full, or when the server paged the window itself (it sent nextLinks).
      if (count === 0 || newest === undefined || pageCount > 1 || count < Math.min(q.top, fullPage)) return;
      if (newest === cursor && op === 'ge') {
        // A full page of one instant: step past it (records beyond the page at that instant cannot be paged).
        q.log.warn({ at: newest }, 'Stepped past a full page of alerts with identical lastUpdateDateTime');
        op = 'gt';
      } else {
        op = 'ge';
        cursor = newest;
      }
    }
  };
}
