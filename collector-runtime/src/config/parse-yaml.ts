// Turns the bytes of config.yaml into plain data, or into problems a person can act on (line and column,
// never a stack trace). JSON is valid YAML, so config.json files go through the same path.
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigProblem } from '../core/errors.ts';

/** Larger than any real config by far; stops a wrong file (a log, an image) from being parsed at all. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export type ParsedConfigText =
  { ok: true; value: unknown; warnings: ConfigProblem[] } | { ok: false; problems: ConfigProblem[] };

export function parseConfigText(bytes: Uint8Array, label: string): ParsedConfigText {
  const problem = (message: string): ParsedConfigText => ({
    ok: false,
    problems: [{ path: '', message: `${label} ${message}`, severity: 'error' }],
  });
  if (bytes.length > MAX_CONFIG_BYTES)
    return problem(`is ${bytes.length} bytes: a config file must be at most ${MAX_CONFIG_BYTES} bytes`);
  if (bytes.includes(0)) return problem('contains NUL bytes: it is a binary file, not YAML text');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return problem(
      'is not valid UTF-8 text: save it as UTF-8 (it looks like a binary or differently encoded file)',
    );
  }

  const lines = new LineCounter();
  // prettyErrors off: its code frame would quote the offending line, which may hold a secret.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}`;
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '',
        message:
          e.code === 'DUPLICATE_KEY'
            ? `${label} has a duplicate key at ${at(e.pos[0])}: each key may appear only once in a mapping`
            : `${label} is not valid YAML: ${lowerFirst(e.message)} at ${at(e.pos[0])}`,
        severity: 'error',
      })),
    };
  }
  if (doc.contents === null)
    return problem('is empty: expected a mapping with the keys globals, outputs and inputs');

  let value: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return problem(`is not valid YAML: ${lowerFirst(err instanceof Error ? err.message : String(err))}`);
  }
  const warnings = doc.warnings.map((w): ConfigProblem => ({
    path: '',
    message: `${label}: ${lowerFirst(w.message)} at ${at(w.pos[0])}`,
    severity: 'warning',
  }));
  return { ok: true, value, warnings };
}

function lowerFirst(s: string): string {
  return s.length > 1 && /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}
