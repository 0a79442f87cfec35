// Graph timestamps carry up to 7 fractional digits (100 ns ticks), more than a JS Date holds, so
// comparisons use a canonical string key instead of epoch milliseconds.

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})$/;

/** `2024-05-01T10:20:02.7215374Z`: milliseconds plus 4 more digits of 100 ns ticks (0..9999). */
export function isoTicks(ms: number, subMsTicks = 0): string {
  const base = new Date(Math.floor(ms)).toISOString(); // 2024-05-01T10:20:02.721Z
  return `${base.slice(0, 23)}${String(subMsTicks).padStart(4, '0')}Z`;
}

/** `2024-05-01T10:20:02Z` */
export function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms)).toISOString().slice(0, 19)}Z`;
}

/** `2024-05-01` (UTC) */
export function isoDay(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().slice(0, 10);
}

export const DAY_MS = 86_400_000;

/**
 * Canonical sortable key `YYYY-MM-DDTHH:MM:SS.fffffff` (UTC) for an ISO 8601 timestamp with `Z` or an
 * offset, or null when the text is not such a timestamp.
 */
export function timeKey(text: string): string | null {
  const m = DATETIME.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone = 'Z'] = m;
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Date.UTC silently rolls 2024-02-30 over to March; reject instead, like Graph does.
  if (new Date(seconds).toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`) return null;
  let utc = seconds;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const [oh, om] = zone.slice(1).split(':').map(Number);
    utc -= sign * ((oh ?? 0) * 60 + (om ?? 0)) * 60_000;
  }
  return `${new Date(utc).toISOString().slice(0, 19)}.${frac.padEnd(7, '0')}`;
}
