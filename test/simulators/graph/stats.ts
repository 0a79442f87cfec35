// What the simulator saw, for test assertions.

import { RequestTally } from '../http-server.ts';

export interface RequestLogEntry {
  /** Simulator clock at arrival (epoch ms). */
  readonly at: number;
  /** Request target as received: path plus query string. */
  readonly path: string;
  readonly status: number;
}

export interface GraphSimulatorStats {
  /** By logical endpoint: the GraphService names, `token_v1`, `token_v2`, and `not_found`. */
  requests: Record<string, number>;
  /** By HTTP status code. */
  status: Record<string, number>;
  /** 429 responses, forced or from the budgets. */
  throttled: number;
  tokensIssued: number;
  requestLog: RequestLogEntry[];
  /** Empty pages injected by `emptyPageEvery`. */
  emptyPages: number;
  /** Records served a second time by `duplicateEvery`. */
  duplicatesServed: number;
}

export class StatsRecorder {
  readonly #tally = new RequestTally<RequestLogEntry>();
  throttled = 0;
  tokensIssued = 0;
  emptyPages = 0;
  duplicatesServed = 0;

  record(endpoint: string, entry: RequestLogEntry): void {
    this.#tally.record(endpoint, entry);
    if (entry.status === 429) this.throttled += 1;
  }

  /** A copy, so later requests don't change what a test already holds. */
  snapshot(): GraphSimulatorStats {
    return {
      ...this.#tally.snapshot(),
      throttled: this.throttled,
      tokensIssued: this.tokensIssued,
      emptyPages: this.emptyPages,
      duplicatesServed: this.duplicatesServed,
    };
  }
}
