// What every polling source gives the shared loops, and the steps both loops (windowed, snapshot) share:
// the pull summary with its metrics, and the filter that drops records already delivered.
import type { Puller, PullerContext, PullSummary } from '../../inputs/definition.ts';
import type { RecentKeys } from '../../dedup/recent-keys.ts';

/** A record as the API returns it: a JSON object. */
export type JsonRecord = Record<string, unknown>;

export interface PollingSource {
  /** Authenticate and check the source is pullable (SetupError 101/102); retried by the runtime. */
  setup(signal: AbortSignal): Promise<void>;
  /** The HTTP client the source reads with: its request count goes into the pull summary. */
  readonly http: { readonly requests: number };
  /** Dedup identity of a record (made version-aware where records change in place). */
  keyOf(record: JsonRecord): string;
  /** Default Devo tag of a record; the loop applies the service's override_tag instead when set. */
  tagOf(record: JsonRecord): string;
}

/** The recent-key set is exact; its fill ratio is reported against this nominal size. */
const RECENT_KEYS_NOMINAL_SIZE = 1_000_000;

/**
 * The Puller both loops return: setup is the source's; each pull runs `body`, then reports its counts
 * (requests, received, duplicates, the dedup set's fill) whether it succeeded or not.
 */
export function pollingPuller(
  ctx: Pick<PullerContext, 'telemetry'>,
  source: PollingSource,
  recentKeys: () => RecentKeys,
  body: (summary: PullSummary, signal: AbortSignal) => Promise<void>,
): Puller {
  return {
    setup: (signal) => source.setup(signal),
    async pull(signal) {
      const summary: PullSummary = { requests: 0, received: 0, duplicates: 0, sent: 0, upToDate: false };
      const before = source.http.requests;
      try {
        await body(summary, signal);
      } finally {
        summary.requests = source.http.requests - before;
        ctx.telemetry.received(summary.received);
        ctx.telemetry.duplicates(summary.duplicates);
        ctx.telemetry.dedupFill(recentKeys().size / RECENT_KEYS_NOMINAL_SIZE);
      }
      return summary;
    },
  };
}

/**
 * Drops records already delivered (in `seen`) or repeated within the page. The kept records' keys come
 * back with their event times; they join `seen` only once the page is committed.
 */
export function selectFresh(
  records: readonly JsonRecord[],
  seen: RecentKeys,
  keyOf: (r: JsonRecord) => string,
  timeOf: (r: JsonRecord) => number,
  counts: Pick<PullSummary, 'received' | 'duplicates'> | undefined,
): { fresh: JsonRecord[]; keys: [string, number][] } {
  const fresh: JsonRecord[] = [];
  const keys: [string, number][] = [];
  const inPage = new Set<string>();
  for (const r of records) {
    if (counts) counts.received++;
    const key = keyOf(r);
    if (seen.has(key) || inPage.has(key)) {
      if (counts) counts.duplicates++;
      continue;
    }
    inPage.add(key);
    keys.push([key, timeOf(r)]);
    fresh.push(r);
  }
  return { fresh, keys };
}
