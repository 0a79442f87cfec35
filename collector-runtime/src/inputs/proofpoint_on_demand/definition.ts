// The proofpoint_on_demand input: the PoD Log API pushes message and maillog events over a WebSocket
// (docs/sources/proofpoint-on-demand.md). Names as in the product's documentation: credentials
// cluster_id and api_key; per service override_tag_base, override_url_base, start_time and
// request_period_in_seconds, which for a stream is the longest wait between reconnections.
import type { InputDefinition, InputSettings, ServiceDefinition } from '../definition.ts';
import { int, pastUtcTime, str, type Shape } from '../../config/schema.ts';
import { webSocketStream } from '../../core/streaming/run-websocket-stream.ts';
import { PodSource } from './pod-source.ts';
import { migratePodState, POD_STATE_VERSION, type PodState } from './pod-state.ts';

export const POD_DEFAULT_URL = 'wss://logstream.proofpoint.com/v1/stream';

const credentials = {
  cluster_id: { rule: str({ min: 1 }), required: true, doc: 'the cluster id shown in the PoD admin UI' },
  api_key: { rule: str({ min: 1, secret: true }), required: true, doc: 'the PoD Log API token' },
} satisfies Shape;

const serviceSettings = {
  // The product's format is str.str.str.str: a Devo tag of at least four levels.
  override_tag_base: {
    rule: str({
      pattern: /^[a-z0-9_-]+(\.[a-z0-9_-]+){3,5}$/,
      patternHint:
        'a Devo tag of 4 to 6 dot-separated levels of a-z, 0-9, "_" or "-", e.g. mail.proofpoint.pod.maillog',
    }),
    doc: 'replaces the default tag',
  },
  override_url_base: {
    rule: str({ pattern: /^wss?:\/\/[^\s?#]+$/, patternHint: 'a ws:// or wss:// URL without query' }),
    default: POD_DEFAULT_URL,
    doc: 'the WebSocket URL of the PoD Log API stream',
  },
  start_time: {
    rule: pastUtcTime(),
    doc: 'replay from this time (at most 30 days back) before going live; changing it replaces the persisted state',
  },
  // Our additions: keepalive timing (docs/sources/proofpoint-on-demand.md: ping every 60 s, tolerate slow pongs up to 120 s).
  ping_interval_in_seconds: { rule: int({ min: 1, max: 3600 }), default: 60 },
  pong_timeout_in_seconds: { rule: int({ min: 2, max: 7200 }), default: 120 },
} satisfies Shape;

type PodInput = InputSettings<{}, typeof credentials>;

function podService(
  type: 'message' | 'maillog',
  keyField: string,
  description: string,
): ServiceDefinition<PodState, typeof serviceSettings, PodInput> {
  const tag = `mail.proofpoint.pod.${type}`;
  return {
    description,
    settings: serviceSettings,
    omit: ['start_time_in_utc', 'override_tag'],
    defaultRequestPeriodSeconds: 60,
    minRequestPeriodSeconds: 5,
    defaultTags: [tag],
    stateVersion: POD_STATE_VERSION,
    migrateState: migratePodState,
    createStream: (ctx) => {
      const s = ctx.service;
      const source = new PodSource(ctx, {
        type,
        keyField,
        tag: s.override_tag_base ?? tag,
        url: s.override_url_base,
        clusterId: ctx.input.credentials.cluster_id,
        apiKey: ctx.input.credentials.api_key,
        ...(s.start_time !== undefined ? { startTimeMs: s.start_time } : {}),
      });
      return webSocketStream(ctx, source, {
        pingIntervalMs: s.ping_interval_in_seconds * 1000,
        pongTimeoutMs: s.pong_timeout_in_seconds * 1000,
        handshakeTimeoutMs: 30_000,
        maxReconnectDelayMs: Math.max(2_000, s.request_period_in_seconds * 1000),
        // Message frames carrying attachments (dataBase64) reach several MiB.
        maxPayloadBytes: 64 * 1024 * 1024,
      });
    },
  };
}

export const proofpointOnDemand: InputDefinition = {
  name: 'proofpoint_on_demand',
  stability: 'beta',
  description: 'Proofpoint on Demand (PoD) Log API: message and maillog events streamed over a WebSocket',
  credentials,
  settings: {},
  services: {
    message: podService('message', 'guid', 'Filter verdicts, one per message (type=message)'),
    maillog: podService('maillog', 'id', 'Parsed sendmail MTA log lines (type=maillog)'),
  },
};
