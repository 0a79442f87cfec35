// One content service (one content type) on the shared windowed pull loop: the loop walks contentCreated
// in windows of at most 24 h, never older than 7 days (with a margin), keys blobs by content id so a
// re-listed blob is not fetched again, and checkpoints after every listing page with its events
// delivered first. This source lists pages (NextPageUri), fetches the fresh blobs concurrently, and
// drops records already delivered (Bloom filter + recent hashes, persisted with the checkpoint).
import type { Puller, PullerContext } from '../definition.ts';
import { checkPullable } from '../../core/polling/source-client.ts';
import { followPages } from '../../core/polling/paging.ts';
import { createWindowedPuller, type WindowedSource } from '../../core/polling/windowed-puller.ts';
import type { JsonRecord } from '../../core/polling/polling-source.ts';
import { workloadTag, type ContentService } from './content-types.ts';
import type { ContentDescriptor } from './feed-client.ts';
import { feedSource, inPool } from './feed-source.ts';
import { RecordDedup } from './record-dedup.ts';
import { retryHub } from './retry-hub.ts';
import type { ContentServiceSettings, Office365Input } from './settings.ts';
import type { Office365State } from './state.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** Listing refuses a start older than 7 days; 15 minutes of margin absorb request delay and clock skew. */
export const MAX_CONTENT_AGE_MS = 7 * DAY - 15 * MIN;
/** Re-listed every pull: blobs can show up in a listing a little after their contentCreated. */
export const RELIST_MS = 60 * MIN;
/** Of the ConfigMap's 1 MiB, what one service's dedup memory may use (the input has up to 6 services). */
const CONFIGMAP_SHARE = 1 / 8;

const iso = (ms: number) => new Date(ms).toISOString();

export function createContentPuller(
  ctx: PullerContext<Office365State, ContentServiceSettings, Office365Input>,
  spec: ContentService,
): Puller {
  const { service, log } = ctx;
  const { contentType } = spec;
  const { feed, tokens, endpoints } = feedSource(ctx);
  const dedup = new RecordDedup(
    {
      capacity: service.override_bloom_filter_size,
      bufferSize: service.override_bloom_filter_buffer_size,
      falsePositiveRate: service.bloom_filter_false_positive_rate,
    },
    ctx.state?.dedup,
    {
      budgetBytes: ctx.stateLimitBytes === undefined ? undefined : ctx.stateLimitBytes * CONFIGMAP_SHARE,
      log,
      telemetry: ctx.telemetry,
    },
  );
  const tagOf = (r: JsonRecord) => workloadTag(r, spec.fallbackTag);
  const hub = retryHub(ctx.inputName, ctx.input.id);
  hub.register(contentType, { dedup, tagOf });
  for (const failed of ctx.state?.failed_content ?? []) hub.hand({ ...failed, contentType });
  let lastCreated = ctx.state?.last_content_created;

  const source: WindowedSource<Office365State> = {
    http: feed,
    setup: (signal) =>
      checkPullable(
        tokens,
        async (s) => {
          const how = await feed.ensureSubscription(contentType, s);
          log.info({ contentType, subscription: how }, 'Using base url and subscription');
        },
        endpoints.feedUrl,
        signal,
      ),
    windows: { historyMs: MAX_CONTENT_AGE_MS, maxMs: DAY, lateMs: RELIST_MS, maxAgeMs: MAX_CONTENT_AGE_MS },
    load: (state) => ({
      watermark: state?.watermark ? Date.parse(state.watermark) : undefined,
      keys: state?.content_ids,
    }),
    save: (watermark, keys, window) => ({
      watermark: watermark === undefined ? undefined : iso(watermark),
      window_start: window === undefined ? undefined : iso(window.from),
      last_content_created: lastCreated,
      content_ids: keys,
      failed_content: hub.unadopted(contentType),
      dedup: dedup.state(),
    }),
    keyOf: (item) => String(item.contentId),
    timeOf: (item) => Date.parse(String(item.contentCreated)),
    tagOf,
    readWindow: async ({ from, to }, page, signal) => {
      await followPages(
        feed.contentUrl(contentType, from, to),
        (url) => feed.listPage(url, contentType, signal),
        (items) => page(items),
      );
    },
    expand: async (items, counts, signal) => {
      const descriptors = items as unknown as ContentDescriptor[];
      const blobs = await inPool(descriptors, service.blob_concurrency, (d) => feed.blob(d, signal));
      const records: JsonRecord[] = [];
      let expired = 0;
      for (const [i, blob] of blobs.entries()) {
        const d = descriptors[i]!;
        if (blob.ok) {
          records.push(...blob.records);
          if (!lastCreated || Date.parse(d.contentCreated) > Date.parse(lastCreated))
            lastCreated = d.contentCreated;
        } else if (blob.expired) {
          expired++;
          log.warn(
            {
              contentId: d.contentId,
              contentCreated: d.contentCreated,
              contentExpiration: d.contentExpiration,
            },
            'Content expired before it could be fetched (AF20051): its events are lost',
          );
        } else if (hub.retrying) {
          hub.hand({
            contentType,
            contentId: d.contentId,
            contentUri: d.contentUri,
            contentCreated: d.contentCreated,
            contentExpiration: d.contentExpiration,
          });
          log.warn(
            { contentId: d.contentId, err: (blob.error as Error).message },
            'Handed a failed content URI to uri_retry',
          );
        } else {
          // Without uri_retry the checkpoint must not pass a blob that was not delivered.
          throw blob.error;
        }
      }
      if (expired > 0) ctx.telemetry.lost(expired, 'content_expired');
      const { fresh, duplicates } = dedup.select(records);
      counts.received += records.length;
      counts.duplicates += duplicates;
      log.info(
        {
          contentType,
          blobs: descriptors.length,
          expired,
          received: records.length,
          duplicates,
          fresh: fresh.length,
        },
        'Fetched content blobs',
      );
      return fresh;
    },
  };

  // The dedup memory moves with the checkpoint: kept when it was saved, rolled back when it was not.
  const committing: typeof ctx = {
    ...ctx,
    // The loop's content-id keys are not this source's dedup memory: the Bloom window reports the fill.
    telemetry: { ...ctx.telemetry, dedupFill: () => {} },
    commit: async (events, state) => {
      try {
        await ctx.commit(events, state);
      } catch (err) {
        dedup.rollback();
        throw err;
      }
      dedup.committed();
    },
  };
  return createWindowedPuller(committing, source);
}
