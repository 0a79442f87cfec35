// What one service reports about itself: every stage counts through here, so metric names and labels
// stay in one place (DESIGN §8) and pullers never touch prom-client directly.
import type { CollectorMetrics, MetricLabels } from './catalog.ts';

export interface ServiceTelemetry {
  readonly labels: MetricLabels;
  apiRequest(status: number | 'error', seconds: number): void;
  throttleWait(seconds: number): void;
  tokenRefresh(result: 'success' | 'error'): void;
  received(n: number): void;
  duplicates(n: number): void;
  sent(n: number, output: string): void;
  oversize(n: number): void;
  /** Data the vendor expired before it could be fetched: never silent. */
  lost(n: number, reason: string): void;
  pullDone(result: 'success' | 'error', seconds: number, nowMs: number): void;
  checkpoint(eventTimeMs: number): void;
  stateWrite(result: 'success' | 'error'): void;
  stateReset(): void;
  dedupFill(ratio: number, falsePositiveRate?: number): void;
  up(isUp: boolean): void;
}

export function serviceTelemetry(metrics: CollectorMetrics, labels: MetricLabels): ServiceTelemetry {
  const inputLabels = { collector: labels.collector, input: labels.input };
  // Touch the counters so a fresh service shows zeros instead of no series at all.
  metrics.eventsReceived.inc(labels, 0);
  metrics.eventsDuplicated.inc(labels, 0);
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
    received(n) {
      metrics.eventsReceived.inc(labels, n);
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
    lost(n, reason) {
      metrics.eventsLost.inc({ ...labels, reason }, n);
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
  };
}
