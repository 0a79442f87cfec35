// The loop for services that are not time-based (Graph secure_score_control_profiles): every pull reads
// the whole collection, sends records whose key (id + version) was not in the last snapshot, and the
// new snapshot's keys replace the old ones, so a record that changes back is sent again.
import type { Puller, PullerContext, CommonServiceSettings } from '../../inputs/definition.ts';
import { RecentKeys } from '../../dedup/recent-keys.ts';
import { pollingPuller, selectFresh, type JsonRecord, type PollingSource } from './polling-source.ts';

export interface SnapshotSource<State> extends PollingSource {
  /** The keys of the last snapshot, from a checkpoint (undefined on first run). */
  load(state: State | undefined): Iterable<readonly [string, number]> | undefined;
  /** The checkpoint for a snapshot's keys. */
  save(keys: [string, number][]): State;
  /** Reads the whole collection, handing each page of records to `page` in order. */
  readAll(page: (records: readonly JsonRecord[]) => Promise<void>, signal: AbortSignal): Promise<void>;
}

export function createSnapshotPuller<State>(
  ctx: PullerContext<State, CommonServiceSettings, unknown>,
  source: SnapshotSource<State>,
): Puller {
  const overrideTag = ctx.service.override_tag;
  let seen = RecentKeys.from(source.load(ctx.state));
  return pollingPuller(
    ctx,
    source,
    () => seen,
    async (summary, signal) => {
      const all: JsonRecord[] = [];
      await source.readAll(async (records) => {
        all.push(...records);
      }, signal);
      const { fresh } = selectFresh(all, seen, source.keyOf, () => 0, summary);
      const events = fresh.map((record) => ({ tag: overrideTag ?? source.tagOf(record), record }));
      const current = RecentKeys.from(all.map((r) => [source.keyOf(r), 0] as const));
      await ctx.commit(events, source.save(current.toJSON()));
      seen = current;
      summary.sent += events.length;
      summary.upToDate = true;
    },
  );
}
