// What a Graph service checkpoints, and how older layouts (the Python collector's) are read.
import type { WindowCursor } from '../../core/polling/windowed-puller.ts';

export const GRAPH_STATE_VERSION = 2;

export interface GraphState {
  /** Everything before this time has been delivered (ISO 8601). */
  last_event_time_in_utc?: string;
  /** Keys of records delivered recently, with their event time, for the overlap re-read. */
  last_ids: [string, number][];
}

/** Collector 1.x/2.x (Python) layout: persistence_version, last_polled_timestamp|last_event_time_in_utc, last_ids, next_link. */
export function migrateGraphState(old: unknown, _fromVersion: number): GraphState | undefined {
  if (!old || typeof old !== 'object') return undefined;
  const o = old as Record<string, unknown>;
  const t = o.last_event_time_in_utc ?? o.last_polled_timestamp;
  const time =
    typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? new Date(Date.parse(t)).toISOString() : undefined;
  // Old last_ids carried no event times: keep them at the watermark so the first overlap still uses them.
  const at = time ? Date.parse(time) : 0;
  const ids = Array.isArray(o.last_ids) ? o.last_ids.filter((x): x is string => typeof x === 'string') : [];
  // next_link (a skip token) is dropped on purpose: skip tokens cannot be reused across runs.
  return { last_event_time_in_utc: time, last_ids: ids.map((id) => [id, at]) };
}

/** The checkpoint as the shared window loop's cursor. */
export function graphCursor(state: GraphState | undefined): WindowCursor {
  const t = state?.last_event_time_in_utc ? Date.parse(state.last_event_time_in_utc) : NaN;
  return { watermark: Number.isNaN(t) ? undefined : t, keys: state?.last_ids };
}

/** The loop's cursor as the checkpoint (the Python collector's field names). */
export function graphState(watermark: number | undefined, keys: [string, number][]): GraphState {
  return {
    last_event_time_in_utc: watermark !== undefined ? new Date(watermark).toISOString() : undefined,
    last_ids: keys,
  };
}
