// uri_retry: re-fetches the content URIs whose download failed in any content service of this input,
// until they succeed (their records are deduplicated against the owning service's filter and tagged
// as it would) or expire (counted as lost). Its checkpoint is the list of URIs it owns.
import type { Puller, PullerContext, PullSummary } from '../definition.ts';
import { checkPullable } from '../../core/polling/source-client.ts';
import { workloadTag, TAG_BASE } from './content-types.ts';
import { feedSource } from './feed-source.ts';
import { retryHub, type FailedBlob } from './retry-hub.ts';
import type { Office365Input } from './settings.ts';

export const URI_RETRY_STATE_VERSION = 1;

export interface UriRetryState {
  pending: FailedBlob[];
}

export function createUriRetryPuller(ctx: PullerContext<UriRetryState, unknown, Office365Input>): Puller {
  const { log } = ctx;
  const { feed, tokens, endpoints } = feedSource(ctx);
  const hub = retryHub(ctx.inputName, ctx.input.id);
  hub.retrying = true;
  let pending = ctx.state?.pending ?? [];
  let saved = false;

  return {
    setup: (signal) => checkPullable(tokens, (s) => feed.listSubscriptions(s), endpoints.feedUrl, signal),
    async pull(signal) {
      const summary: PullSummary = { requests: 0, received: 0, duplicates: 0, sent: 0, upToDate: true };
      const before = feed.requests;
      try {
        // Take over what the content services handed in, saved here before they may forget it.
        const handed = hub.queued().filter((b) => !pending.some((p) => p.contentId === b.contentId));
        // The first pull saves its checkpoint even with nothing handed in, so a fresh service shows a
        // stored state (and its state-write series) like every other.
        if (handed.length > 0 || !saved) {
          const next = [...pending, ...handed];
          await ctx.commit([], { pending: next });
          pending = next;
          saved = true;
          hub.adopted(handed.map((b) => b.contentId));
        }
        for (const blob of [...pending]) {
          if (signal.aborted) break;
          const result = await feed.blob(blob, signal);
          if (!result.ok && !result.expired) {
            log.warn(
              { contentId: blob.contentId, err: (result.error as Error).message },
              'Content URI still failing; retrying next pull',
            );
            continue;
          }
          const rest = pending.filter((p) => p.contentId !== blob.contentId);
          if (!result.ok) {
            ctx.telemetry.lost(1, 'content_expired');
            log.warn(
              { contentId: blob.contentId, contentCreated: blob.contentCreated },
              'Content expired before it could be fetched (AF20051): its events are lost',
            );
            await ctx.commit([], { pending: rest });
            pending = rest;
            continue;
          }
          const owner = hub.owner(blob.contentType);
          summary.received += result.records.length;
          // Held in the owner's dedup at once, so its own pages do not send these too; saved in its
          // checkpoint only once delivered here.
          const { fresh, hashes } = owner
            ? owner.dedup.reserve(result.records)
            : { fresh: result.records, hashes: [] };
          summary.duplicates += result.records.length - fresh.length;
          const tagOf =
            owner?.tagOf ?? ((r: Record<string, unknown>) => workloadTag(r, `${TAG_BASE}.general`));
          const overrideTag = (ctx.service as { override_tag?: string }).override_tag;
          try {
            await ctx.commit(
              fresh.map((record) => ({ tag: overrideTag ?? tagOf(record), record })),
              { pending: rest },
            );
          } catch (err) {
            owner?.dedup.settle(hashes, false);
            throw err;
          }
          owner?.dedup.settle(hashes, true);
          pending = rest;
          summary.sent += fresh.length;
          log.info({ contentId: blob.contentId, sent: fresh.length }, 'Delivered a retried content URI');
        }
      } finally {
        summary.requests = feed.requests - before;
        ctx.telemetry.received(summary.received);
        ctx.telemetry.duplicates(summary.duplicates);
      }
      return summary;
    },
  };
}
