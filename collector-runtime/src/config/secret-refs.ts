// Secrets never have to sit in config.yaml: any `secret: true` setting may instead be given as
// `<key>_file: /path` (a mounted Kubernetes Secret, a Docker secret) or `<key>_env: VAR_NAME`.
// Exactly one of the three forms is allowed. Values are never shown in messages, only paths and names.
import { isAbsolute, resolve } from 'node:path';
import { fail, isMapping, join, obj, type Parsed, type Rule, type Shape, type Walk } from './schema.ts';
import type { ValidateContext } from './validate-context.ts';

export type SecretSources = Pick<ValidateContext, 'env' | 'files' | 'paths'>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Like schema.ts `obj()`, but secret settings may come from a file or an environment variable. */
export function withSecretRefs<S extends Shape>(
  shape: S,
  sources: SecretSources,
  opts: Parameters<typeof obj>[1] = {},
  /** 'all': every key may come from a file or env (credentials: a Kubernetes Secret holds them all). */
  refs: 'secret' | 'all' = 'secret',
): Rule<Parsed<S>> {
  const secretKeys = Object.keys(shape).filter((k) => refs === 'all' || shape[k]!.rule.secret);
  const hinted: Shape = { ...shape };
  for (const key of secretKeys)
    hinted[key] = { ...shape[key]!, rule: withAlternatives(shape[key]!.rule, key) };
  const plain = obj(hinted, opts);
  if (secretKeys.length === 0) return plain as Rule<Parsed<S>>;
  return {
    expected: plain.expected,
    check(value, path, walk) {
      if (!isMapping(value)) return plain.check(value, path, walk) as Parsed<S> | undefined;
      const copy: Record<string, unknown> = { ...value };
      const effective: Shape = { ...hinted };
      let ok = true;
      for (const key of secretKeys) {
        const r = resolveSecret(copy, key, path, walk, sources);
        if (r === 'failed') {
          ok = false;
          // Already reported; do not add "is required" on top.
          effective[key] = { ...hinted[key]!, required: false };
        }
      }
      const out = (secretKeys.some((k) => effective[k] !== hinted[k]) ? obj(effective, opts) : plain).check(
        copy,
        path,
        walk,
      );
      return ok ? (out as Parsed<S> | undefined) : undefined;
    },
  };
}

/** Replaces `<key>_file` / `<key>_env` in `raw` by the value they point at. */
function resolveSecret(
  raw: Record<string, unknown>,
  key: string,
  path: string,
  walk: Walk,
  sources: SecretSources,
): 'ok' | 'failed' {
  const fileKey = `${key}_file`;
  const envKey = `${key}_env`;
  const given = [key, fileKey, envKey].filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (given.length === 0) return 'ok';
  if (given.length > 1) {
    fail(
      walk,
      join(path, key),
      `set only one of ${key}, ${fileKey} or ${envKey} (found ${given.join(' and ')})`,
    );
    for (const k of given) delete raw[k];
    return 'failed';
  }
  if (given[0] === key) return 'ok';

  const refKey = given[0]!;
  const ref = raw[refKey];
  delete raw[refKey];
  if (typeof ref !== 'string' || ref.trim() === '') {
    fail(
      walk,
      join(path, refKey),
      `expected ${refKey === fileKey ? 'a file path' : 'an environment variable name'}`,
    );
    return 'failed';
  }
  if (refKey === fileKey) {
    const file = isAbsolute(ref) ? ref : resolve(sources.paths.base, ref);
    const read = sources.files.readText(file);
    if ('error' in read) {
      fail(walk, join(path, fileKey), `cannot read secret file "${file}": ${read.error}`);
      return 'failed';
    }
    // Files written by `echo` or editors end in a newline that is not part of the secret.
    const text = read.text.replace(/[\r\n]+$/, '');
    if (text === '') {
      fail(walk, join(path, fileKey), `secret file "${file}" is empty`);
      return 'failed';
    }
    raw[key] = text;
    return 'ok';
  }
  if (!ENV_NAME.test(ref)) {
    // Not echoed: a value that is no variable name may well be the secret pasted in the wrong place.
    fail(
      walk,
      join(path, envKey),
      'expected an environment variable name (letters, digits and "_", not starting with a digit)',
    );
    return 'failed';
  }
  const text = sources.env[ref];
  if (text === undefined) {
    fail(walk, join(path, envKey), `environment variable "${ref}" is not set`);
    return 'failed';
  }
  if (text === '') {
    fail(walk, join(path, envKey), `environment variable "${ref}" is empty`);
    return 'failed';
  }
  raw[key] = text;
  return 'ok';
}

/** The same rule, with an "is required" message that names the file and env alternatives. */
function withAlternatives(rule: Rule<unknown>, key: string): Rule<unknown> {
  return {
    expected: `${rule.expected} (inline, or read from a file with ${key}_file or an environment variable with ${key}_env)`,
    secret: rule.secret,
    check: (value, path, walk) => rule.check(value, path, walk),
  };
}
