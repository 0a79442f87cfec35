// What one service reports about itself: every stage counts through here, so metric names and labels
// stay in one place (README "Metrics") and pullers never touch prom-client directly.
import type { CollectorMetrics, MetricLabels } from './catalog.ts';

export interface ServiceTelemetry {
  readonly labels: MetricLabels;
  apiRequest(status: number | 'error', seconds: number): void;
  throttleWait(seconds: number): void;
  tokenRefresh(result: 'success' | 'error'): void;
  /** The configured pull period, so an alert can tell a stalled service from a slow one. */
  requestPeriod(seconds: number): void;
  /** Events the vendor no longer has (expired content): a gap in the data, counted, never silent. */
  lost(n: number, reason: string): void;
  /**
   * Records read from the source since the previous call (a source may report per page or once per pull).
   * What committing() already counted is not counted again.
   */
  received(n: number): void;
  /**
   * Events about to be delivered by ctx.commit: counted as received at once, so received ≥ sent + duplicates
   * holds at every scrape, and received moves page by page even when the source reports at the pull's end.
   */
  committing(n: number): void;
  duplicates(n: number): void;
  sent(n: number, output: string): void;
  oversize(n: number): void;
  pullDone(result: 'success' | 'error', seconds: number, nowMs: number): void;
  checkpoint(eventTimeMs: number): void;
  stateWrite(result: 'success' | 'error'): void;
  stateReset(): void;
  dedupFill(ratio: number, falsePositiveRate?: number): void;
  up(isUp: boolean): void;
  websocketReconnect(reason: string): void;
}

export function serviceTelemetry(metrics: CollectorMetrics, labels: MetricLabels): ServiceTelemetry {
  const inputLabels = { collector: labels.collector, input: labels.input };
  // Touch the counters so a fresh service shows zeros instead of no series at all.
  metrics.eventsReceived.inc(labels, 0);
  metrics.eventsDuplicated.inc(labels, 0);
  /** Counted by committing() and not yet reported by received(). */
  let onAccount = 0;
  return {
    labels,
    apiRequest(status, seconds) {
      metrics.apiRequests.inc({ ...labels, status: String(status) });
      metrics.apiRequestDuration.observe(labels, seconds);
    },
    throttleWait(seconds) {
      if (seconds > 0) metrics.apiThrottleWait.inc(labels, seconds);
    },
    tokenRefresh(result) {
      metrics.tokenRefreshes.inc({ ...inputLabels, result });
    },
    requestPeriod(seconds) {
      metrics.requestPeriod.set(labels, seconds);
    },
    lost(n, reason) {
      metrics.eventsLost.inc({ ...labels, reason }, n);
    },
    received(n) {
      const add = Math.max(0, n - onAccount);
      onAccount = Math.max(0, onAccount - n);
      if (add > 0) metrics.eventsReceived.inc(labels, add);
    },
    committing(n) {
      onAccount += n;
      if (n > 0) metrics.eventsReceived.inc(labels, n);
    },
    duplicates(n) {
      metrics.eventsDuplicated.inc(labels, n);
    },
    sent(n, output) {
      metrics.eventsSent.inc({ ...labels, output }, n);
    },
    oversize(n) {
      metrics.eventsOversize.inc(labels, n);
    },
    pullDone(result, seconds, nowMs) {
      metrics.pulls.inc({ ...labels, result });
      metrics.pullDuration.observe(labels, seconds);
      if (result === 'success') metrics.lastSuccessfulPull.set(labels, nowMs / 1000);
      metrics.serviceUp.set(labels, result === 'success' ? 1 : 0);
    },
    checkpoint(eventTimeMs) {
      metrics.checkpointTime.set(labels, eventTimeMs / 1000);
    },
    stateWrite(result) {
      metrics.stateWrites.inc({ ...labels, result });
    },
    stateReset() {
      metrics.stateResets.inc(labels);
    },
    dedupFill(ratio, fpr) {
      metrics.dedupFillRatio.set(labels, ratio);
      if (fpr !== undefined) metrics.dedupFalsePositiveRate.set(labels, fpr);
    },
    up(isUp) {
      metrics.serviceUp.set(labels, isUp ? 1 : 0);
    },
    websocketReconnect(reason) {
      metrics.websocketReconnects.inc({ ...labels, reason });
    },
  };
}
