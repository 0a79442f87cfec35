// Cuts one page out of a (snapshot) result set, optionally injecting the oddities real Graph paging
// shows: empty pages that still carry a nextLink, and the previous page's last record served again.

import type { PageCursor } from './page-cursor.ts';

export interface PagingOptions {
  /** False for alerts_v2 by default: a page is served but no nextLink is ever returned. */
  readonly nextLinks: boolean;
  /** Every N-th page is empty but has a nextLink. */
  readonly emptyPageEvery?: number | undefined;
  /** Every N-th data page starts with the last record of the page before. */
  readonly duplicateEvery?: number | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Cursor of the following page, or null when this is the last one. */
  readonly next: PageCursor | null;
  readonly injectedEmpty: boolean;
  readonly duplicated: boolean;
}

const every = (n: number | undefined, i: number): boolean => n !== undefined && n > 0 && i > 0 && i % n === 0;

export function cutPage<T>(results: readonly T[], cursor: PageCursor, options: PagingOptions): Page<T> {
  if (options.nextLinks && !cursor.afterEmpty && every(options.emptyPageEvery, cursor.page + 1)) {
    const next = { ...cursor, page: cursor.page + 1, afterEmpty: true };
    return { items: [], next, injectedEmpty: true, duplicated: false };
  }
  let start = cursor.offset;
  // With $top=1 a repeated record would be the whole page and paging would never advance.
  const duplicated =
    options.nextLinks && every(options.duplicateEvery, cursor.dataPages) && cursor.top > 1 && start > 0;
  if (duplicated) start -= 1;
  const end = Math.min(start + cursor.top, results.length);
  const items = results.slice(start, end);
  const hasMore = options.nextLinks && end < results.length;
  const next = hasMore
    ? { ...cursor, offset: end, page: cursor.page + 1, dataPages: cursor.dataPages + 1, afterEmpty: false }
    : null;
  return { items, next, injectedEmpty: false, duplicated: duplicated && items.length > 0 };
}
