// A small declarative schema for config.yaml. Each rule knows how to check one value and says what it
// expected; the walker adds the path. Every problem is collected, so a user sees all of them at once.
import type { ConfigProblem } from '../core/errors.ts';

export interface Walk {
  problems: ConfigProblem[];
  /** Current time (ms) for "must be in the past" checks; injected so tests are deterministic. */
  now: number;
}

export interface Rule<T> {
  /** What a valid value looks like, for messages and docs. */
  readonly expected: string;
  readonly secret?: boolean;
  check(value: unknown, path: string, walk: Walk): T | undefined;
}

export type Shape = Record<
  string,
  { rule: Rule<unknown>; required?: boolean; default?: unknown; doc?: string }
>;
/** The value type a field's rule produces. */
type FieldValue<F> = F extends { rule: Rule<infer T> } ? T : never;
/** Whether a parsed field always has a value: it is required or has a default. */
type AlwaysSet<F> = F extends { required: true } ? true : F extends { default: {} | null } ? true : false;

/**
 * What `obj(shape)` returns, inferred from the shape: required and defaulted fields are present, the
 * rest optional. Declare shapes with `satisfies Shape` so `required: true` keeps its literal type.
 */
export type Parsed<S extends Shape> = {
  -readonly [K in keyof S as AlwaysSet<S[K]> extends true ? K : never]: FieldValue<S[K]>;
} & {
  -readonly [K in keyof S as AlwaysSet<S[K]> extends true ? never : K]?: FieldValue<S[K]>;
};

export function fail(walk: Walk, path: string, message: string): undefined {
  walk.problems.push({ path, message, severity: 'error' });
  return undefined;
}

export function warn(walk: Walk, path: string, message: string): void {
  walk.problems.push({ path, message, severity: 'warning' });
}

/** Shows a value in a message: secrets are masked, long values cut. */
export function show(value: unknown, secret = false): string {
  if (secret) return '"***"';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a mapping';
  return String(value);
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** Strings; with `oneOf` the parsed type is the union of the allowed values. */
export function str<const O extends string = string>(
  opts: {
    min?: number;
    max?: number;
    pattern?: RegExp;
    patternHint?: string;
    secret?: boolean;
    oneOf?: readonly O[];
  } = {},
): Rule<O> {
  const expected = opts.oneOf
    ? `one of ${opts.oneOf.map((v) => JSON.stringify(v)).join(', ')}`
    : `a string${opts.min ? ` of at least ${opts.min} character${opts.min === 1 ? '' : 's'}` : ''}${opts.max ? ` and at most ${opts.max}` : ''}${opts.patternHint ? ` (${opts.patternHint})` : ''}`;
  return {
    expected,
    secret: opts.secret,
    check(value, path, walk) {
      if (typeof value === 'number' && !opts.secret && !opts.oneOf) value = String(value);
      if (typeof value !== 'string')
        return fail(walk, path, `got ${show(value, opts.secret)}, expected ${expected}`);
      if (opts.oneOf && !(opts.oneOf as readonly string[]).includes(value))
        return fail(walk, path, `got ${show(value, opts.secret)}, expected ${expected}`);
      if (
        (opts.min !== undefined && value.length < opts.min) ||
        (opts.max !== undefined && value.length > opts.max)
      )
        return fail(
          walk,
          path,
          `got ${show(value, opts.secret)} (${value.length} characters), expected ${expected}`,
        );
      if (opts.pattern && !opts.pattern.test(value))
        return fail(walk, path, `got ${show(value, opts.secret)}, expected ${expected}`);
      return value as O;
    },
  };
}

/** Integers; numeric strings are accepted because the product documents' JSON examples quote every value. */
export function int(opts: { min?: number; max?: number } = {}): Rule<number> {
  const range =
    opts.min !== undefined && opts.max !== undefined
      ? ` from ${opts.min} to ${opts.max}`
      : opts.min !== undefined
        ? ` of at least ${opts.min}`
        : opts.max !== undefined
          ? ` of at most ${opts.max}`
          : '';
  const expected = `a whole number${range}`;
  return {
    expected,
    check(value, path, walk) {
      const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n))
        return fail(walk, path, `got ${show(value)}, expected ${expected}`);
      if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max))
        return fail(walk, path, `got ${n}, expected ${expected}`);
      return n;
    },
  };
}

export function num(opts: { min?: number; max?: number } = {}): Rule<number> {
  const expected = `a number${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` ≤ ${opts.max}` : ''}`;
  return {
    expected,
    check(value, path, walk) {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n))
        return fail(walk, path, `got ${show(value)}, expected ${expected}`);
      if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max))
        return fail(walk, path, `got ${n}, expected ${expected}`);
      return n;
    },
  };
}

export function bool(): Rule<boolean> {
  const expected = 'true or false';
  return {
    expected,
    check(value, path, walk) {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail(walk, path, `got ${show(value)}, expected ${expected}`);
    },
  };
}

/** Any JSON-like value, kept as is (for opaque settings such as reset_persistence_auth). */
export function anyScalar(): Rule<string | number | boolean> {
  const expected = 'a string, number or boolean';
  return {
    expected,
    check(value, path, walk) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
      return fail(walk, path, `got ${show(value)}, expected ${expected}`);
    },
  };
}

export const UTC_TIME_HINT = 'UTC time like "2024-01-01T00:00:00Z"';
const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * Date.parse rolls impossible dates over (2025-02-30 becomes 2 March, 24:00 the next day): a date is real
 * only when it reads back as written. Returns what is wrong, or undefined.
 */
function impossibleDate(text: string, ms: number): string | undefined {
  const [y, mo, d, h] = text.split(/[-T:]/).map(Number) as [number, number, number, number];
  const back = new Date(ms);
  if (back.getUTCFullYear() === y && back.getUTCMonth() + 1 === mo && back.getUTCDate() === d && h < 24)
    return undefined;
  if (h >= 24) return `hour ${h} does not exist (00 to 23)`;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return `day ${d} does not exist in ${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')} (it has ${days} days)`;
}

/**
 * A UTC timestamp in the past, as the product documents' start_time_in_utc (InitVariablesError 1 and 2).
 * Returns epoch milliseconds.
 */
export function pastUtcTime(): Rule<number> {
  const expected = `a ${UTC_TIME_HINT} in the past`;
  return {
    expected,
    check(value, path, walk) {
      if (value instanceof Date) value = value.toISOString(); // YAML may parse unquoted timestamps
      const ms = typeof value === 'string' && UTC_TIME.test(value) ? Date.parse(value) : NaN;
      if (Number.isNaN(ms))
        return fail(
          walk,
          path,
          `invalid start time ${show(value)}: must be in parseable datetime format, a ${UTC_TIME_HINT}`,
        );
      const impossible = impossibleDate(value as string, ms);
      if (impossible)
        return fail(
          walk,
          path,
          `invalid start time ${show(value)}: ${impossible}; give a real ${UTC_TIME_HINT}`,
        );
      if (ms > walk.now)
        return fail(
          walk,
          path,
          `invalid start time ${show(value)}: must be in the past (now is ${new Date(walk.now).toISOString()})`,
        );
      return ms;
    },
  };
}

/** Devo tags: 2 to 6 dot-separated levels of [a-z0-9_-], at most 1024 characters (docs/devo-ingestion.md). */
export const DEVO_TAG = /^[a-z0-9_-]+(\.[a-z0-9_-]+){1,5}$/;
export function devoTag(): Rule<string> {
  const expected =
    'a Devo tag: 2 to 6 dot-separated levels of lowercase letters, digits, "_" or "-" (e.g. "my.app.graph.signins")';
  return {
    expected,
    check(value, path, walk) {
      if (typeof value !== 'string' || value.length > 1024 || !DEVO_TAG.test(value))
        return fail(walk, path, `got ${show(value)}, expected ${expected}`);
      return value;
    },
  };
}

export function list<T>(item: Rule<T>, opts: { min?: number } = {}): Rule<T[]> {
  const expected = `a list of ${item.expected}`;
  return {
    expected,
    check(value, path, walk) {
      if (!Array.isArray(value)) return fail(walk, path, `got ${show(value)}, expected ${expected}`);
      if (opts.min && value.length < opts.min)
        return fail(walk, path, `expected at least ${opts.min} item(s)`);
      const out: T[] = [];
      value.forEach((v, i) => {
        const r = item.check(v, join(path, i), walk);
        if (r !== undefined) out.push(r);
      });
      return out;
    },
  };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * A mapping with known keys. Unknown keys are errors by default ("did you mean …" when close),
 * or warnings where the product documents' SDK only warns (globals).
 */
export function obj<S extends Shape>(
  shape: S,
  opts: { unknownKeys?: 'error' | 'warn' | 'allow'; hint?: (key: string) => string | undefined } = {},
): Rule<Parsed<S>> {
  const expected = `a mapping with keys ${Object.keys(shape).join(', ')}`;
  return {
    expected,
    check(value, path, walk) {
      if (value === null || value === undefined) value = {};
      if (!isMapping(value)) return fail(walk, path, `got ${show(value)}, expected a mapping`);
      const out: Record<string, unknown> = {};
      let ok = true;
      for (const [key, field] of Object.entries(shape)) {
        const v = value[key];
        if (v === undefined || v === null) {
          if (field.required) {
            fail(walk, join(path, key), `is required: expected ${field.rule.expected}`);
            ok = false;
          } else if (field.default !== undefined) out[key] = field.default;
          continue;
        }
        const r = field.rule.check(v, join(path, key), walk);
        if (r === undefined) ok = false;
        else out[key] = r;
      }
      for (const key of Object.keys(value)) {
        if (key in shape || opts.unknownKeys === 'allow') continue;
        const hint = opts.hint?.(key) ?? suggest(key, Object.keys(shape));
        const msg = `unknown setting${hint ? `; ${hint}` : ''}`;
        if (opts.unknownKeys === 'warn') warn(walk, join(path, key), `${msg}; ignored`);
        else {
          fail(walk, join(path, key), `${msg} (known settings: ${Object.keys(shape).join(', ')})`);
          ok = false;
        }
      }
      return ok ? (out as Parsed<S>) : undefined;
    },
  };
}

/** A mapping of user-chosen names to values of one rule (e.g. outputs). */
export function dict<T>(
  item: Rule<T>,
  opts: { min?: number; keyPattern?: RegExp } = {},
): Rule<Record<string, T>> {
  const expected = `a mapping of names to ${item.expected}`;
  return {
    expected,
    check(value, path, walk) {
      if (!isMapping(value)) return fail(walk, path, `got ${show(value)}, expected ${expected}`);
      if (opts.min && Object.keys(value).length < opts.min)
        return fail(
          walk,
          path,
          `is empty: expected at least ${opts.min} entr${opts.min === 1 ? 'y' : 'ies'}`,
        );
      const out: Record<string, T> = {};
      let ok = true;
      for (const [k, v] of Object.entries(value)) {
        if (opts.keyPattern && !opts.keyPattern.test(k)) {
          fail(walk, join(path, k), `invalid name: must match ${opts.keyPattern}`);
          ok = false;
          continue;
        }
        const r = item.check(v, join(path, k), walk);
        if (r === undefined) ok = false;
        else out[k] = r;
      }
      return ok ? out : undefined;
    },
  };
}

export function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 4))
    ? `did you mean "${best}"?`
    : undefined;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
