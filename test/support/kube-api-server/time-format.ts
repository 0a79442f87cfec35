// metav1.Time (RFC 3339, seconds) and metav1.MicroTime (RFC 3339, microseconds) as the apiserver writes them.

import { isJsonObject, type JsonObject } from './json-value.ts';

export function nowTimestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toMicroTime(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const parsed = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (!parsed) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const fraction = (parsed[2] ?? '').padEnd(6, '0').slice(0, 6);
  // Re-render in UTC like Go's RFC3339Micro formatting of a UTC time.
  return `${date.toISOString().slice(0, 19)}.${fraction}Z`;
}

const MICRO_TIME_FIELDS: Record<string, string[][]> = {
  'coordination.k8s.io/leases': [
    ['spec', 'acquireTime'],
    ['spec', 'renewTime'],
  ],
  events: [['eventTime'], ['series', 'lastObservedTime']],
};

/** Rewrites MicroTime fields of built-in kinds into the canonical `.000000Z` form. */
export function normalizeMicroTimes(storageKey: string, obj: JsonObject): void {
  for (const path of MICRO_TIME_FIELDS[storageKey] ?? []) {
    let node: unknown = obj;
    for (const segment of path.slice(0, -1)) node = isJsonObject(node) ? node[segment] : undefined;
    const last = path[path.length - 1];
    if (isJsonObject(node) && node[last] !== undefined && node[last] !== null) {
      node[last] = toMicroTime(node[last]) as string;
    }
  }
}
