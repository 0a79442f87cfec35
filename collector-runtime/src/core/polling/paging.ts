// Following a chain of next-page links, as every paged API needs: the link is used verbatim, a link
// seen twice is a loop (an API bug that would otherwise spin forever), and a query has a page cap.
import { CollectorError } from '../errors.ts';

export interface Page<T> {
  items: readonly T[];
  /** The next page's URL as the API gave it; undefined or empty on the last page. */
  next?: string;
}

export const MAX_PAGES_PER_QUERY = 100_000;

/**
 * Fetches `firstUrl` and every page after it, handing each page's items to `onPage` before fetching
 * the next (so a checkpoint can follow each page). Returns the number of pages read.
 */
export async function followPages<T>(
  firstUrl: string,
  fetchPage: (url: string) => Promise<Page<T>>,
  onPage: (items: readonly T[]) => Promise<void>,
  maxPages = MAX_PAGES_PER_QUERY,
): Promise<number> {
  const visited = new Set<string>();
  let url: string | undefined = firstUrl;
  while (url) {
    const where = url.split('?')[0];
    if (visited.has(url))
      throw new CollectorError('CR_ERR_API', `the API returned a next-page loop at ${where}`, {
        retryable: true,
      });
    if (visited.size >= maxPages)
      throw new CollectorError('CR_ERR_API', `the API returned more than ${maxPages} pages at ${where}`, {
        retryable: true,
      });
    visited.add(url);
    const page: Page<T> = await fetchPage(url);
    await onPage(page.items);
    url = page.next || undefined;
  }
  return visited.size;
}

/** A response header by name, case-insensitively (e.g. Office 365's NextPageUri / Nextpageuri). */
export function headerValue(
  headers: Record<string, string | string[] | undefined>,
  ...names: string[]
): string | undefined {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  for (const [k, v] of Object.entries(headers)) {
    if (!wanted.has(k.toLowerCase())) continue;
    const value = Array.isArray(v) ? v[0] : v;
    if (value) return value;
  }
  return undefined;
}
