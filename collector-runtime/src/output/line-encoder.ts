// One event as one Devo syslog line (docs/devo-ingestion.md "One event"):
//   <14>2024-05-01T10:00:00.000Z HOST TAG: {compact JSON with @devo_pulling_id[, @devo_environment]}\n
// This is the hot path: the record is serialised once and the Devo fields are spliced in before its closing
// brace, so the caller's object is neither cloned nor mutated.

/** user.info: facility 1 × 8 + severity 6, the Python SDK's default. */
const PRI = '<14>';

export interface LineFields {
  /** The Devo tag (table), already validated by the configuration rules. */
  tag: string;
  /** The event; serialised with JSON.stringify, so it must be a plain JSON object. */
  record: Record<string, unknown>;
  /** Epoch milliseconds of the pull that fetched the event. */
  pullingId: number;
  /** Added as `@devo_environment` when set. */
  environment?: string;
  /** Header hostname; whitespace is replaced by `-` because a space ends the field. */
  hostname: string;
  /** Header timestamp (epoch ms or Date), written as UTC ISO-8601 with milliseconds. */
  time: number | Date;
}

// JSON.stringify writes a lone surrogate as a `\udXXX` escape, which Devo would decode back into invalid
// UTF-16; every such escape it emits is a lone one (pairs are written raw), so we swap it for U+FFFD.
// A run of backslashes before `u` is an escape only when the run is odd (`\\ud800` is a literal backslash).
const LONE_SURROGATE_ESCAPE = /(\\+)u(d[89a-f][0-9a-f]{2})/g;

function replaceLoneSurrogates(json: string): string {
  return json.replace(LONE_SURROGATE_ESCAPE, (match, slashes: string) =>
    slashes.length % 2 === 1 ? `${slashes.slice(1)}\ufffd` : match,
  );
}

const HAS_WHITESPACE = /\s/;
const WHITESPACE = /\s/g;

function headerField(value: string): string {
  const clean = value.isWellFormed() ? value : value.toWellFormed();
  return HAS_WHITESPACE.test(clean) ? clean.replace(WHITESPACE, '-') : clean;
}

function hasDevoField(record: Record<string, unknown>, environment: string | undefined): boolean {
  return (
    Object.hasOwn(record, '@devo_pulling_id') ||
    (environment !== undefined && Object.hasOwn(record, '@devo_environment'))
  );
}

/** Serialises the record with the Devo fields added; ours win over same-named fields of the record. */
export function encodeMessage(
  record: Record<string, unknown>,
  pullingId: number,
  environment?: string,
): string {
  const devo =
    environment === undefined
      ? `"@devo_pulling_id":${pullingId}`
      : `"@devo_pulling_id":${pullingId},"@devo_environment":${JSON.stringify(environment)}`;
  if (hasDevoField(record, environment)) {
    // Rare: drop the record's own copy so the object keeps unique keys (a clone only on this path).
    const copy = { ...record };
    delete copy['@devo_pulling_id'];
    if (environment !== undefined) delete copy['@devo_environment'];
    return encodeMessage(copy, pullingId, environment);
  }
  let json = JSON.stringify(record);
  if (typeof json !== 'string' || json.charCodeAt(0) !== 0x7b || json.charCodeAt(json.length - 1) !== 0x7d)
    throw new TypeError('event record must serialise to a JSON object');
  if (json.indexOf('\\ud') !== -1) json = replaceLoneSurrogates(json);
  return json.length === 2 ? `{${devo}}` : `${json.slice(0, -1)},${devo}}`;
}

// Date#toISOString costs ~0.5 µs, a sixth of a whole line: events of one batch share their second, so the
// "YYYY-MM-DDTHH:MM:SS." prefix is reused and only the milliseconds are formatted.
let cachedSecond = NaN;
let cachedPrefix = '';
const MILLIS = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);

function isoTime(time: number | Date): string {
  const ms = Math.floor(typeof time === 'number' ? time : time.getTime());
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString(); // throws RangeError for NaN/out-of-range times
    cachedPrefix = iso.slice(0, -4);
    cachedSecond = second;
  }
  return cachedPrefix + MILLIS[ms - second * 1000];
}

/** Builds the complete LF-terminated syslog line for one event. */
export function encodeLine(f: LineFields): string {
  return `${PRI}${isoTime(f.time)} ${headerField(f.hostname)} ${headerField(f.tag)}: ${encodeMessage(
    f.record,
    f.pullingId,
    f.environment,
  )}\n`;
}

/**
 * RFC 6587 octet-counting frame for a line that must keep raw newlines: `LEN SP line`, where LEN is the UTF-8
 * byte length of the whole line including its final LF.
 */
export function octetCount(line: string): string {
  const framed = line.endsWith('\n') ? line : `${line}\n`;
  return `${Buffer.byteLength(framed, 'utf8')} ${framed}`;
}
