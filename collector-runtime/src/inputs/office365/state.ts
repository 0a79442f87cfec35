// The checkpoint of one content service: how far content has been listed and delivered, which blobs of
// the trailing re-read were delivered, and the record dedup memory (Bloom filter + recent hashes).
import type { BloomWindowState } from '../../dedup/bloom-window.ts';

export const OFFICE365_STATE_VERSION = 2;

export interface FailedContent {
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration?: string;
}

export interface Office365State {
  /** contentCreated watermark (ISO): every blob created before it was delivered. */
  watermark?: string;
  /** Start of the window being listed when the checkpoint was saved (ISO; absent between windows). */
  window_start?: string;
  /** contentCreated of the newest blob delivered (ISO). */
  last_content_created?: string;
  /** Blobs delivered that a re-read of the trailing window lists again: [contentId, contentCreated ms]. */
  content_ids: [string, number][];
  /** Blobs whose download failed, handed to uri_retry and not yet taken over by it. */
  failed_content?: FailedContent[];
  dedup?: BloomWindowState;
}

/** The 1.x collector kept only `last_event_time_in_utc` ("YYYY-MM-DD HH:MM:SS"): resume from it. */
export function migrateOffice365State(old: unknown): Office365State | undefined {
  if (!old || typeof old !== 'object') return undefined;
  const last = (old as Record<string, unknown>).last_event_time_in_utc;
  if (typeof last !== 'string') return undefined;
  const t = Date.parse(`${last.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(last) ? '' : 'Z'}`);
  if (Number.isNaN(t)) return undefined;
  return { watermark: new Date(t).toISOString(), content_ids: [] };
}
