// Behaviour knobs a test can flip while the simulator runs (read on every request).

export interface Office365Scenario {
  /** Header carrying the next listing page: the reference docs' `NextPageUri` (default) or `NextPageUrl`. */
  nextPageHeader?: 'NextPageUri' | 'NextPageUrl';
  /** The status throttled calls get: 429 (default) or 403 as the troubleshooting page shows. */
  throttleStatus?: 429 | 403;
  /** The next `count` requests (any feed operation) get AF429. */
  force429?: { count: number };
  /** The next `count` requests get 500 AF50000. */
  force5xx?: { count: number };
  /** The blob with this content id answers 500 AF50000 the next `count` times it is fetched. */
  failContent?: { contentId: string; count: number };
  /** The token endpoint rejects the client secret (AADSTS7000215). */
  failSecret?: boolean;
}

/** Consumes one forced fault of a kind; true when one was due. */
export function takeForced(fault: { count: number } | undefined): boolean {
  if (fault === undefined || fault.count <= 0) return false;
  fault.count -= 1;
  return true;
}
