// The office365 input's settings, declared once: validation reads these shapes and the pullers' types are
// inferred from them (defaults applied).
import { fail, int, num, str, type Shape, type Walk } from '../../config/schema.ts';
import type { InputSettings, ServiceSettings } from '../definition.ts';
import { CLOUD_NAMES } from './clouds.ts';

export const office365Credentials = {
  tenant_id: { rule: str({ min: 1 }), required: true },
  client_id: { rule: str({ min: 1 }), required: true },
  client_secret: { rule: str({ min: 1, secret: true }), required: true },
} satisfies Shape;

const url = () => str({ pattern: /^https?:\/\/[^\s]+$/, patternHint: 'an http(s) URL' });

export const office365InputSettings = {
  // Government clouds: login host, API host and token scope come from one table (clouds.ts).
  cloud: { rule: str({ oneOf: CLOUD_NAMES }), default: 'commercial' },
  // Named as on the Graph inputs; tests and sovereign set-ups point them elsewhere.
  override_base_url: { rule: url() },
  override_login_url: { rule: url() },
  // The tenant GUID of the publisher (the app owner); without it calls share a global throttling pool.
  override_publisher_identifier: { rule: str({ min: 1 }) },
} satisfies Shape;

/** Each content service keeps its own Bloom filter of delivered records. */
export const contentSettings = {
  override_bloom_filter_size: { rule: int({ min: 1000, max: 100_000_000 }), default: 10_000_000 },
  override_bloom_filter_buffer_size: { rule: int({ min: 0, max: 10_000_000 }), default: 100_000 },
  // A false positive drops a real event: the rate at capacity is explicit (memory grows with -ln(rate)).
  bloom_filter_false_positive_rate: { rule: num({ min: 1e-12, max: 1e-3 }), default: 1e-6 },
  // Blob downloads in flight per service (within the tenant's request budget).
  blob_concurrency: { rule: int({ min: 1, max: 64 }), default: 8 },
} satisfies Shape;

export const uriRetrySettings = {} satisfies Shape;

export type Office365Input = InputSettings<typeof office365InputSettings, typeof office365Credentials>;
export type ContentServiceSettings = ServiceSettings<typeof contentSettings>;

/**
 * At capacity the filter is reset and reseeded with the buffer's hashes, so it restarts holding the whole
 * buffer: a buffer as large as the filter would reset it on every new record.
 */
export function validateBloomSettings(service: ContentServiceSettings, path: string, walk: Walk): void {
  const { override_bloom_filter_size: size, override_bloom_filter_buffer_size: buffer } = service;
  if (buffer >= size)
    fail(
      walk,
      `${path}.override_bloom_filter_buffer_size`,
      `got ${buffer}, which is not smaller than override_bloom_filter_size (${size}): the filter is reseeded from the buffer when it fills, so it would reset on every record; lower override_bloom_filter_buffer_size (default 100000, about 1% of the filter) or raise override_bloom_filter_size`,
    );
}
