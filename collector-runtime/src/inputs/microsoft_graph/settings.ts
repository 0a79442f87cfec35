// The Graph inputs' settings, declared once: validation reads these shapes, and the puller's types are
// inferred from them (defaults applied), so the puller reads its settings without casts or defaults.
import { int, str, type Shape } from '../../config/schema.ts';
import type { InputSettings, ServiceSettings } from '../definition.ts';

export const graphCredentials = {
  tenant_id: { rule: str({ min: 1 }), required: true },
  client_id: { rule: str({ min: 1 }), required: true },
  client_secret: { rule: str({ min: 1, secret: true }), required: true },
} satisfies Shape;

const URL_HINT = 'an http(s) URL';
const url = () => str({ pattern: /^https?:\/\/[^\s]+$/, patternHint: URL_HINT });

export const graphInputSettings = {
  override_top_level_domain: { rule: str({ oneOf: ['com', 'us'] }), default: 'com' },
  override_base_url: { rule: url() },
  override_login_url: { rule: url() },
  override_scope_value: { rule: str({ min: 1 }) },
} satisfies Shape;

/** Settings of the non-time-based service (secure_score_control_profiles). */
export const snapshotSettings = {
  additional_filter: { rule: str({ min: 1 }) },
} satisfies Shape;

/** Settings of the time-based services. */
export const windowSettings = {
  ...snapshotSettings,
  override_query_window_max_seconds: { rule: int({ min: 60 }) },
  // Our addition: how far back each pull re-reads for records that arrive late (dedup absorbs repeats).
  late_arrival_window_in_seconds: { rule: int({ min: 0, max: 86_400 }), default: 900 },
} satisfies Shape;

export type GraphInput = InputSettings<typeof graphInputSettings, typeof graphCredentials>;
export type GraphWindowSettings = ServiceSettings<typeof windowSettings>;
export type GraphSnapshotSettings = ServiceSettings<typeof snapshotSettings>;
