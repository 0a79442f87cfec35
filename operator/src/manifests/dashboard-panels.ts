// What the Devo collectors dashboard shows, row by row: each panel's PromQL over the runtime's metrics
// (collector-runtime/src/metrics/catalog.ts) and the operator's (operator/src/metrics.ts). dashboard.ts
// lays the rows out; generated-files.ts checks every metric name against both registries.

export const DS = { type: 'prometheus', uid: '${datasource}' };
/** Label filter of every collector query, from the dashboard variables. */
const SEL = 'collector=~"$collector", service=~"$service"';
const COLLECTOR_SEL = 'collector=~"$collector"';

export interface Target {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  kind: 'timeseries' | 'stat';
  unit: string;
  targets: Target[];
  /** Width in grid units (24 per row). */
  width: number;
  thresholds?: { color: string; value: number | null }[];
}

export interface Row {
  title: string;
  panels: PanelSpec[];
}

const ts = (title: string, description: string, unit: string, targets: Target[], width = 12): PanelSpec => ({
  title,
  description,
  kind: 'timeseries',
  unit,
  targets,
  width,
});

const rate = (metric: string, by = 'collector, service', sel = SEL) =>
  `sum by (${by}) (rate(${metric}{${sel}}[$__rate_interval]))`;

export const ROWS: Row[] = [
  {
    title: 'Overview',
    panels: [
      {
        title: 'Events sent / s',
        description: 'Events written to Devo, all selected services.',
        kind: 'stat',
        unit: 'ops',
        targets: [
          { expr: `sum(rate(devo_collector_events_sent_total{${SEL}}[$__rate_interval]))`, legend: 'sent' },
        ],
        width: 6,
      },
      {
        title: 'Oldest successful pull',
        description: 'Time since the least recently successful service last pulled without error.',
        kind: 'stat',
        unit: 's',
        targets: [
          {
            expr: `max(time() - devo_collector_last_successful_pull_timestamp_seconds{${SEL}})`,
            legend: 'age',
          },
        ],
        width: 6,
        thresholds: [
          { color: 'green', value: null },
          { color: 'orange', value: 900 },
          { color: 'red', value: 3600 },
        ],
      },
      {
        title: 'Throttled requests (429) / s',
        description: 'Source API answers with HTTP 429; the runtime honours Retry-After.',
        kind: 'stat',
        unit: 'reqps',
        targets: [
          {
            expr: `sum(rate(devo_collector_api_requests_total{${SEL}, status="429"}[$__rate_interval]))`,
            legend: '429',
          },
        ],
        width: 6,
        thresholds: [
          { color: 'green', value: null },
          { color: 'orange', value: 0.01 },
        ],
      },
      {
        title: 'Devo connections',
        description: 'Open TLS connections to Devo (0 means nothing can be delivered).',
        kind: 'stat',
        unit: 'none',
        targets: [{ expr: `sum(devo_collector_sender_connected{${COLLECTOR_SEL}})`, legend: 'connected' }],
        width: 6,
        thresholds: [
          { color: 'red', value: null },
          { color: 'green', value: 1 },
        ],
      },
    ],
  },
  {
    title: 'Events',
    panels: [
      ts('Events received / s', 'Records read from the source API, per service.', 'ops', [
        { expr: rate('devo_collector_events_received_total'), legend: '{{collector}} {{service}}' },
      ]),
      ts('Events sent / s', 'Events written to Devo, per service.', 'ops', [
        { expr: rate('devo_collector_events_sent_total'), legend: '{{collector}} {{service}}' },
      ]),
      ts(
        'Duplicates dropped / s',
        'Records already sent (overlapping windows, re-reads after a restart).',
        'ops',
        [{ expr: rate('devo_collector_events_duplicated_total'), legend: '{{collector}} {{service}}' }],
      ),
      ts(
        'Events failed / s',
        'Events that could not be encoded or sent; they are pulled again later.',
        'ops',
        [
          {
            expr: rate('devo_collector_events_failed_total', 'collector, service, reason'),
            legend: '{{service}} {{reason}}',
          },
        ],
      ),
    ],
  },
  {
    title: 'Source API',
    panels: [
      ts(
        'API requests / s by status',
        'Responses of the source API by HTTP status ("error": no response).',
        'reqps',
        [
          {
            expr: rate('devo_collector_api_requests_total', 'collector, status'),
            legend: '{{collector}} {{status}}',
          },
        ],
      ),
      ts(
        'Throttle wait',
        'Share of time spent waiting for the request budget or a Retry-After.',
        'percentunit',
        [
          {
            expr: rate('devo_collector_api_throttle_wait_seconds_total'),
            legend: '{{collector}} {{service}}',
          },
        ],
      ),
      ts('API request latency (p95)', 'Per service.', 's', [
        {
          expr: `histogram_quantile(0.95, sum by (le, collector, service) (rate(devo_collector_api_request_duration_seconds_bucket{${SEL}}[$__rate_interval])))`,
          legend: '{{collector}} {{service}}',
        },
      ]),
      ts('Pull duration (p95)', 'One pull: every page of every window.', 's', [
        {
          expr: `histogram_quantile(0.95, sum by (le, collector, service) (rate(devo_collector_pull_duration_seconds_bucket{${SEL}}[$__rate_interval])))`,
          legend: '{{collector}} {{service}}',
        },
      ]),
      ts(
        'Time since last successful pull',
        'Grows when a service keeps failing; compare with its request period.',
        's',
        [
          {
            expr: `time() - devo_collector_last_successful_pull_timestamp_seconds{${SEL}}`,
            legend: '{{collector}} {{service}}',
          },
        ],
      ),
      ts('Token refreshes / s', 'OAuth token fetches by result.', 'ops', [
        {
          expr: `sum by (collector, result) (rate(devo_collector_token_refreshes_total{${COLLECTOR_SEL}}[$__rate_interval]))`,
          legend: '{{collector}} {{result}}',
        },
      ]),
    ],
  },
  {
    title: 'Devo output',
    panels: [
      ts(
        'Sender queue',
        'Events waiting to be written; a full queue pauses the pullers.',
        'none',
        [
          {
            expr: `sum by (collector, output) (devo_collector_sender_queue_events{${COLLECTOR_SEL}})`,
            legend: '{{collector}} {{output}}',
          },
        ],
        8,
      ),
      ts(
        'Connected',
        'Open connections to Devo.',
        'none',
        [
          {
            expr: `sum by (collector, output) (devo_collector_sender_connected{${COLLECTOR_SEL}})`,
            legend: '{{collector}} {{output}}',
          },
        ],
        8,
      ),
      ts(
        'Bytes sent / s',
        'After compression.',
        'Bps',
        [
          {
            expr: `sum by (collector, output) (rate(devo_collector_sender_bytes_total{${COLLECTOR_SEL}}[$__rate_interval]))`,
            legend: '{{collector}} {{output}}',
          },
        ],
        8,
      ),
      {
        title: 'Client certificate expires in',
        description:
          "Time left on each output's client certificate (devo_collector_client_certificate_expiry_timestamp_seconds); renew it from Devo before it reaches zero.",
        kind: 'stat',
        unit: 's',
        targets: [
          {
            expr: `min by (collector, output) (devo_collector_client_certificate_expiry_timestamp_seconds{${COLLECTOR_SEL}}) - time()`,
            legend: '{{collector}} {{output}}',
          },
        ],
        width: 12,
        thresholds: [
          { color: 'red', value: null },
          { color: 'orange', value: 14 * 86_400 },
          { color: 'green', value: 30 * 86_400 },
        ],
      },
      ts(
        'Events resent / s',
        'Events written again after a connection ended uncleanly; Devo may count them twice (at-least-once).',
        'ops',
        [
          {
            expr: `sum by (collector, output) (rate(devo_collector_sender_resent_events_total{${COLLECTOR_SEL}}[$__rate_interval]))`,
            legend: '{{collector}} {{output}}',
          },
        ],
        12,
      ),
    ],
  },
  {
    title: 'State and dedup',
    panels: [
      ts('Checkpoint writes / s', 'By result; errors mean progress is not being saved.', 'ops', [
        {
          expr: rate('devo_collector_state_writes_total', 'collector, service, result'),
          legend: '{{service}} {{result}}',
        },
      ]),
      ts('Dedup memory fill', 'Entries / capacity of the duplicate filter.', 'percentunit', [
        {
          expr: `max by (collector, service) (devo_collector_dedup_filter_fill_ratio{${SEL}})`,
          legend: '{{collector}} {{service}}',
        },
      ]),
    ],
  },
  {
    title: 'Operator',
    panels: [
      ts(
        'Reconciles / s by result',
        'Collector reconciles of the operator.',
        'ops',
        [
          {
            expr: 'sum by (result) (rate(devo_operator_reconcile_total[$__rate_interval]))',
            legend: '{{result}}',
          },
        ],
        8,
      ),
      ts(
        'Reconcile duration (p95)',
        'Time to reconcile one Collector.',
        's',
        [
          {
            expr: 'histogram_quantile(0.95, sum by (le) (rate(devo_operator_reconcile_duration_seconds_bucket[$__rate_interval])))',
            legend: 'p95',
          },
        ],
        8,
      ),
      ts(
        'Managed collectors',
        'Collectors in the watched namespaces.',
        'none',
        [{ expr: 'max(devo_operator_managed_collectors)', legend: 'collectors' }],
        8,
      ),
    ],
  },
];
