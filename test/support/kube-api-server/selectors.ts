// Label selectors (equality- and set-based, as in k8s.io/apimachinery/pkg/labels) and field selectors
// (=, ==, != on the fields a resource supports).

import { badRequest } from './api-error.ts';
import { getPath, isJsonObject, type JsonObject } from './json-value.ts';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type Matcher = (obj: JsonObject) => boolean;

/** Splits on commas that are not inside a parenthesised value set. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseLabelRequirement(term: string): Requirement {
  const setMatch = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (setMatch) {
    const values = setMatch[3]
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { op: setMatch[2] as 'in' | 'notin', key: setMatch[1], values };
  }
  const eqMatch = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(term);
  if (eqMatch) {
    return { op: eqMatch[2] === '!=' ? 'neq' : 'eq', key: eqMatch[1], value: eqMatch[3] };
  }
  const existsMatch = /^(!?)\s*([^\s!=(),]+)$/.exec(term);
  if (existsMatch) return { op: existsMatch[1] ? 'notexists' : 'exists', key: existsMatch[2] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
}

export function parseLabelSelector(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const requirements = splitTopLevel(selector).map(parseLabelRequirement);
  return (obj) => {
    const labels = (obj.metadata as JsonObject | undefined)?.labels;
    const map = isJsonObject(labels) ? labels : {};
    return requirements.every((r) => {
      const has = Object.hasOwn(map, r.key);
      const value = has ? String(map[r.key]) : undefined;
      switch (r.op) {
        case 'eq':
          return value === r.value;
        case 'neq':
          return value !== r.value;
        case 'in':
          return value !== undefined && r.values.includes(value);
        case 'notin':
          return value === undefined || !r.values.includes(value);
        case 'exists':
          return has;
        case 'notexists':
          return !has;
      }
    });
  };
}

/** Builds a matcher for a LabelSelector object (matchLabels + matchExpressions), e.g. a Deployment selector. */
export function labelSelectorObjectMatcher(selector: JsonObject): Matcher {
  const terms: string[] = [];
  const matchLabels = isJsonObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(matchLabels)) terms.push(`${k}=${String(v)}`);
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of expressions) {
    if (!isJsonObject(e)) continue;
    const values = Array.isArray(e.values) ? e.values.map(String).join(',') : '';
    if (e.operator === 'In') terms.push(`${String(e.key)} in (${values})`);
    if (e.operator === 'NotIn') terms.push(`${String(e.key)} notin (${values})`);
    if (e.operator === 'Exists') terms.push(String(e.key));
    if (e.operator === 'DoesNotExist') terms.push(`!${String(e.key)}`);
  }
  return parseLabelSelector(terms.join(','));
}

export function parseFieldSelector(selector: string | undefined, supported: readonly string[]): Matcher {
  if (!selector) return () => true;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...supported]);
  const requirements = splitTopLevel(selector).map((term) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1].trim();
    if (!allowed.has(field)) throw badRequest(`field label not supported: ${field}`);
    return { field, negate: m[2] === '!=', value: m[3].trim() };
  });
  return (obj) =>
    requirements.every((r) => {
      const raw = getPath(obj, r.field.split('.'));
      const actual = raw === undefined || raw === null ? '' : String(raw);
      return r.negate ? actual !== r.value : actual === r.value;
    });
}
