// Every metric the runtime exports, declared once. Names are a contract (README "Metrics"): the Grafana
// dashboard and alert rules use them. Labels come from small fixed sets, never from event data.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const svc = ['collector', 'input', 'service'] as const;

export function createCollectorMetrics(registry: Registry = new Registry()) {
  const r = [registry];
  const m = {
    registry,
    eventsReceived: new Counter({
      name: 'devo_collector_events_received_total',
      help: 'Events received from the source API',
      labelNames: svc,
      registers: r,
    }),
    eventsDuplicated: new Counter({
      name: 'devo_collector_events_duplicated_total',
      help: 'Events dropped as duplicates of events already sent',
      labelNames: svc,
      registers: r,
    }),
    eventsSent: new Counter({
      name: 'devo_collector_events_sent_total',
      help: 'Events written to the output connection',
      labelNames: [...svc, 'output'],
      registers: r,
    }),
    eventsFailed: new Counter({
      name: 'devo_collector_events_failed_total',
      help: 'Events that could not be encoded or sent (re-pulled later, never silently dropped)',
      labelNames: [...svc, 'reason'],
      registers: r,
    }),
    eventsLost: new Counter({
      name: 'devo_collector_events_lost_total',
      help: 'Content the vendor no longer serves, lost before it could be fetched (by reason; Office 365 counts expired blobs)',
      labelNames: [...svc, 'reason'],
      registers: r,
    }),
    eventsOversize: new Counter({
      name: 'devo_collector_events_oversize_total',
      help: 'Events larger than the recommended 64 KiB (sent anyway)',
      labelNames: svc,
      registers: r,
    }),
    apiRequests: new Counter({
      name: 'devo_collector_api_requests_total',
      help: 'HTTP requests to the source API by response status (or "error" for network failures)',
      labelNames: [...svc, 'status'],
      registers: r,
    }),
    apiRequestDuration: new Histogram({
      name: 'devo_collector_api_request_duration_seconds',
      help: 'Source API request latency',
      labelNames: svc,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    }),
    apiThrottleWait: new Counter({
      name: 'devo_collector_api_throttle_wait_seconds_total',
      help: 'Time spent waiting for the per-API request budget or a Retry-After',
      labelNames: svc,
      registers: r,
    }),
    pullDuration: new Histogram({
      name: 'devo_collector_pull_duration_seconds',
      help: 'Duration of one pull (all pages of all windows)',
      labelNames: svc,
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers: r,
    }),
    pulls: new Counter({
      name: 'devo_collector_pulls_total',
      help: 'Pulls by result (success, error)',
      labelNames: [...svc, 'result'],
      registers: r,
    }),
    requestPeriod: new Gauge({
      name: 'devo_collector_request_period_seconds',
      help: "The service's request_period_in_seconds (alerts compare the last successful pull with it)",
      labelNames: svc,
      registers: r,
    }),
    lastSuccessfulPull: new Gauge({
      name: 'devo_collector_last_successful_pull_timestamp_seconds',
      help: 'Unix time of the last pull that completed without error',
      labelNames: svc,
      registers: r,
    }),
    checkpointTime: new Gauge({
      name: 'devo_collector_checkpoint_timestamp_seconds',
      help: 'Event time up to which the service has delivered everything (its high-water mark)',
      labelNames: svc,
      registers: r,
    }),
    serviceUp: new Gauge({
      name: 'devo_collector_service_up',
      help: '1 when the service set up and its last pull succeeded, else 0',
      labelNames: svc,
      registers: r,
    }),
    senderQueueEvents: new Gauge({
      name: 'devo_collector_sender_queue_events',
      help: 'Events waiting in the sender queue',
      labelNames: ['collector', 'output'],
      registers: r,
    }),
    senderQueueCapacity: new Gauge({
      name: 'devo_collector_sender_queue_capacity_events',
      help: 'Events the sender queue holds before it pushes back on the pullers (queue_max_events)',
      labelNames: ['collector', 'output'],
      registers: r,
    }),
    senderBytes: new Counter({
      name: 'devo_collector_sender_bytes_total',
      help: 'Bytes written to output connections (after compression)',
      labelNames: ['collector', 'output'],
      registers: r,
    }),
    senderConnected: new Gauge({
      name: 'devo_collector_sender_connected',
      help: 'Open output connections',
      labelNames: ['collector', 'output'],
      registers: r,
    }),
    senderConnects: new Counter({
      name: 'devo_collector_sender_connects_total',
      help: 'Output connection attempts by result (success, error) and reason (initial, idle, max_age, resend_buffer_full, failure)',
      labelNames: ['collector', 'output', 'result', 'reason'],
      registers: r,
    }),
    senderErrors: new Counter({
      name: 'devo_collector_sender_errors_total',
      help: 'Output connection errors by kind',
      labelNames: ['collector', 'output', 'kind'],
      registers: r,
    }),
    senderResentEvents: new Counter({
      name: 'devo_collector_sender_resent_events_total',
      help: 'Events written again after a connection ended uncleanly: the receiver may count them twice',
      labelNames: ['collector', 'output'],
      registers: r,
    }),
    clientCertificateExpiry: new Gauge({
      name: 'devo_collector_client_certificate_expiry_timestamp_seconds',
      help: "When the output's client certificate expires (its notAfter), as a Unix time",
      labelNames: ['collector', 'output'],
      registers: r,
    }),
    stateWrites: new Counter({
      name: 'devo_collector_state_writes_total',
      help: 'Checkpoint writes by result',
      labelNames: [...svc, 'result'],
      registers: r,
    }),
    stateResets: new Counter({
      name: 'devo_collector_state_resets_total',
      help: 'Times a service state was wiped because start_time_in_utc or reset_persistence_auth changed',
      labelNames: svc,
      registers: r,
    }),
    dedupFillRatio: new Gauge({
      name: 'devo_collector_dedup_filter_fill_ratio',
      help: 'Fill ratio of the dedup memory (entries / capacity)',
      labelNames: svc,
      registers: r,
    }),
    dedupFalsePositiveRate: new Gauge({
      name: 'devo_collector_dedup_false_positive_rate',
      help: 'Estimated Bloom-filter false-positive rate (Bloom-based dedup only)',
      labelNames: svc,
      registers: r,
    }),
    tokenRefreshes: new Counter({
      name: 'devo_collector_token_refreshes_total',
      help: 'OAuth token fetches by result',
      labelNames: ['collector', 'input', 'result'],
      registers: r,
    }),
    websocketReconnects: new Counter({
      name: 'devo_collector_websocket_reconnects_total',
      help: 'WebSocket reconnects by reason',
      labelNames: [...svc, 'reason'],
      registers: r,
    }),
  };
  collectDefaultMetrics({ register: registry });
  return m;
}

export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
export interface MetricLabels {
  collector: string;
  input: string;
  service: string;
}
