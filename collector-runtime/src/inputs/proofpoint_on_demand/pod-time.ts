// PoD timestamps: `ts` is ISO 8601 with microseconds in the cluster's local offset, usually without a
// colon (`2025-03-04T09:15:22.481203-0800`), in older maillog samples with one (`-08:00`). They are
// compared as instants in microseconds (a Date would drop the microseconds), never as strings.

const TS =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Microseconds since the epoch, or undefined when `ts` is not an ISO 8601 time with an offset. */
export function instantMicros(ts: unknown): number | undefined {
  if (typeof ts !== 'string') return undefined;
  const m = TS.exec(ts.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', off] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Date.UTC rolls over (month 13 is next January): a field out of range is no time.
  const back = new Date(ms);
  if (Number.isNaN(ms) || back.getUTCMonth() !== Number(mo) - 1 || back.getUTCDate() !== Number(d))
    return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offsetMinutes = 0;
  if (off!.toUpperCase() !== 'Z') {
    const digits = off!.slice(1).replace(':', '');
    offsetMinutes =
      (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * (off![0] === '-' ? -1 : 1);
  }
  const micros = Number(frac.padEnd(6, '0').slice(0, 6));
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}

export const HOUR_MS = 3_600_000;

export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** `2025-03-04T09:00:00.000+0000`: the API's documented form (millisecond resolution, offset without colon). */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
