// Behaviour knobs a test can flip while the simulator runs (read on every request).

export interface Scenario {
  /** The next `count` Graph requests get 429; `retryAfter` null omits the header (default "0.25"). */
  force429?: { count: number; retryAfter?: string | null };
  /** The next `count` Graph requests get a 5xx (default 503). */
  force5xx?: { count: number; status?: number };
  /** signIns (v1.0 and beta) answer 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant. */
  licenceError?: boolean;
  /** alerts_v2 returns @odata.nextLink like other endpoints (default false: never, as peers observed). */
  alertsV2NextLink?: boolean;
  /** Every N-th page is empty but still carries a nextLink. */
  emptyPageEvery?: number;
  /** Every N-th data page starts with the last record of the previous page again. */
  duplicateEvery?: number;
  /** The token endpoint rejects the client secret (AADSTS7000215). */
  failSecret?: boolean;
  /** Every N-th successful legacy alerts response is 206 with a Warning header (default 5; 0 = never). */
  alertsPartialEvery?: number;
  /**
   * Identity endpoints keep this many days: a filter reaching further back is refused with 400
   * "Minimum allowed time for <field> is <time>" (docs/sources/microsoft-graph.md; free tenants keep 7 days).
   */
  retentionDays?: number;
}

export const DEFAULT_FORCED_RETRY_AFTER = '0.25';
export const DEFAULT_ALERTS_PARTIAL_EVERY = 5;

/** Consumes one forced 429; returns the Retry-After to send (null = no header) or undefined when none is due. */
export function takeForced429(scenario: Scenario): string | null | undefined {
  const forced = scenario.force429;
  if (forced === undefined || forced.count <= 0) return undefined;
  forced.count -= 1;
  return forced.retryAfter === undefined ? DEFAULT_FORCED_RETRY_AFTER : forced.retryAfter;
}

/** Consumes one forced 5xx; returns its status or undefined when none is due. */
export function takeForced5xx(scenario: Scenario): number | undefined {
  const forced = scenario.force5xx;
  if (forced === undefined || forced.count <= 0) return undefined;
  forced.count -= 1;
  return forced.status ?? 503;
}
