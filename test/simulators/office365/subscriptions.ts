// Subscriptions per content type: start (AF20024 when already enabled; a 15-minute cooldown between
// starts), stop, list, and the state listing checks (AF20022 never started, AF20023 disabled by an admin).

import type { ContentType } from './audit-records.ts';
import { feedErrors } from './feed-errors.ts';

export const START_COOLDOWN_MS = 15 * 60_000;

interface Subscription {
  status: 'enabled' | 'disabled';
  /** Disabled by an administrator rather than stopped through the API. */
  byAdmin: boolean;
  lastStart: number;
}

export interface SubscriptionView {
  contentType: ContentType;
  status: 'enabled' | 'disabled';
  webhook: null;
}

export class Subscriptions {
  readonly #byType = new Map<ContentType, Subscription>();

  start(contentType: ContentType, now: number, publisher: string): SubscriptionView {
    const sub = this.#byType.get(contentType);
    if (sub?.status === 'enabled') throw feedErrors.alreadyEnabled();
    if (sub !== undefined && now - sub.lastStart < START_COOLDOWN_MS)
      throw feedErrors.throttled(429, 'StartSubscription', publisher);
    this.#byType.set(contentType, { status: 'enabled', byAdmin: false, lastStart: now });
    return { contentType, status: 'enabled', webhook: null };
  }

  stop(contentType: ContentType): void {
    const sub = this.#byType.get(contentType);
    if (sub === undefined) throw feedErrors.noSubscription();
    sub.status = 'disabled';
  }

  /** An administrator turned the subscription off (listing then answers AF20023 until a start). */
  disableByAdmin(contentType: ContentType): void {
    const sub = this.#byType.get(contentType);
    if (sub !== undefined) Object.assign(sub, { status: 'disabled', byAdmin: true });
    else this.#byType.set(contentType, { status: 'disabled', byAdmin: true, lastStart: -Infinity });
  }

  list(): SubscriptionView[] {
    return [...this.#byType].map(([contentType, s]) => ({ contentType, status: s.status, webhook: null }));
  }

  /** Throws the error listing content gives when the subscription is not enabled. */
  requireEnabled(contentType: ContentType): void {
    const sub = this.#byType.get(contentType);
    if (sub === undefined) throw feedErrors.noSubscription();
    if (sub.status !== 'enabled') throw sub.byAdmin ? feedErrors.disabled() : feedErrors.noSubscription();
  }
}
