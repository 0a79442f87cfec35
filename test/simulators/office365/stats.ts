// What the simulator saw, for test assertions.

import { RequestTally } from '../http-server.ts';

export interface FeedRequestLogEntry {
  /** Simulator clock at arrival (epoch ms). */
  readonly at: number;
  /** Logical operation: start, stop, list, content, blob, token_v1, token_v2, not_found. */
  readonly operation: string;
  /** Request target as received: path plus query string. */
  readonly path: string;
  readonly status: number;
  readonly publisherIdentifier: string | null;
}

export interface Office365SimulatorStats {
  /** By operation. */
  requests: Record<string, number>;
  /** By HTTP status. */
  status: Record<string, number>;
  /** AF429 replies, forced or from the budgets. */
  throttled: number;
  tokensIssued: number;
  /** Feed calls that came without PublisherIdentifier (they share a small global budget). */
  withoutPublisherIdentifier: number;
  /** Blobs answered with AF20051. */
  expiredServed: number;
  requestLog: FeedRequestLogEntry[];
}

export class FeedStats {
  readonly #tally = new RequestTally<FeedRequestLogEntry>();
  throttled = 0;
  tokensIssued = 0;
  withoutPublisherIdentifier = 0;
  expiredServed = 0;

  record(entry: FeedRequestLogEntry): void {
    this.#tally.record(entry.operation, entry);
    if (entry.publisherIdentifier === null && !entry.operation.startsWith('token'))
      this.withoutPublisherIdentifier += 1;
  }

  snapshot(): Office365SimulatorStats {
    return {
      ...this.#tally.snapshot(),
      throttled: this.throttled,
      tokensIssued: this.tokensIssued,
      withoutPublisherIdentifier: this.withoutPublisherIdentifier,
      expiredServed: this.expiredServed,
    };
  }
}
