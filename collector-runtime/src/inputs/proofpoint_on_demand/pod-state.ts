// What a PoD service checkpoints (persistence layout v2) and how layout v1 is upgraded.
//
// v1: the checkpoint and the recent ids. v2 adds `start_time`, the start time the state was built from,
// so that a changed start_time replaces the persisted data (the product's 1.1.0 change). A migrated v1
// state has no start_time: it adopts the configured one instead of being replaced.

export const POD_STATE_VERSION = 2;

export interface PodState {
  /** The configured start_time (ISO 8601) this state was built from; null when none was set. */
  start_time?: string | null;
  /** The newest event delivered: its raw `ts` and that instant in microseconds. */
  checkpoint?: { ts: string; instant_us: number };
  /** Until when (ISO 8601, wall clock) nothing was missed: a live connection was open, or a catch-up replayed up to then. A longer gap than the server's hour needs a catch-up. */
  live_until?: string;
  /**
   * True while a live connection was open when this was saved: found at start, the process ended
   * without closing it (a crash, or the output failing), so frames it had received may be undelivered
   * while the server's place moved past them. The stream then catches up from the checkpoint first.
   */
  live_open?: boolean;
  /** The ids of the last events delivered, with their instants (µs), to filter a catch-up's overlap. */
  recent_ids: [string, number][];
  /** Every event at or before this instant (µs) that a catch-up re-serves counts as delivered (older ids were not kept). */
  recent_ids_since_us?: number;
}

/** Layout v1: v2 without start_time. Anything else is not a PoD state (undefined: start over). */
export function migratePodState(old: unknown, fromVersion: number): PodState | undefined {
  if (fromVersion !== 1 || !old || typeof old !== 'object' || Array.isArray(old)) return undefined;
  const o = old as Record<string, unknown>;
  const out: PodState = { recent_ids: [] };
  const c = o.checkpoint as { ts?: unknown; instant_us?: unknown } | undefined;
  if (c && typeof c.ts === 'string' && typeof c.instant_us === 'number')
    out.checkpoint = { ts: c.ts, instant_us: c.instant_us };
  if (typeof o.live_until === 'string' && !Number.isNaN(Date.parse(o.live_until)))
    out.live_until = o.live_until;
  if (Array.isArray(o.recent_ids))
    out.recent_ids = o.recent_ids.filter(
      (x): x is [string, number] => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number',
    );
  if (typeof o.recent_ids_since_us === 'number') out.recent_ids_since_us = o.recent_ids_since_us;
  if (!out.checkpoint && !out.live_until) return undefined;
  return out;
}
