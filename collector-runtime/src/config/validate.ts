// Walks a parsed config.yaml (globals, outputs, inputs), applies defaults, resolves secrets and file
// names, and collects every problem with its full path, so a user fixes them all in one go.
import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from '../core/errors.ts';
import type { RuntimeConfig } from './runtime-config.ts';
import { deepFreeze } from './deep-freeze.ts';
import { globalsRule } from './globals-schema.ts';
import { validateInputs } from './input-schema.ts';
import { outputsRule } from '../output/output-rules.ts';
import { fail, isMapping, show, suggest, type Walk } from './schema.ts';
import type { ValidateContext } from './validate-context.ts';

export type { ValidateContext, ConfigFiles } from './validate-context.ts';

export const TOP_LEVEL_KEYS = ['globals', 'outputs', 'inputs'] as const;

export function validateConfig(
  raw: unknown,
  ctx: ValidateContext,
): { config?: RuntimeConfig; problems: ConfigProblem[] } {
  const walk: Walk = { problems: [], now: ctx.now };
  if (!isMapping(raw)) {
    fail(
      walk,
      '',
      `the top level must be a mapping with the keys ${TOP_LEVEL_KEYS.join(', ')}; got ${show(raw)}`,
    );
    return { problems: walk.problems };
  }
  for (const key of Object.keys(raw)) {
    if ((TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
    const hint = suggest(key, [...TOP_LEVEL_KEYS]);
    fail(
      walk,
      key,
      `unknown top-level key${hint ? `; ${hint}` : ''} (expected ${TOP_LEVEL_KEYS.join(', ')})`,
    );
  }

  const globals = globalsRule().check(raw.globals, 'globals', walk);
  const outputs =
    raw.outputs === undefined || raw.outputs === null
      ? fail(
          walk,
          'outputs',
          'is required: configure at least one output (e.g. devo_1 with type devo_platform)',
        )
      : outputsRule(ctx).check(raw.outputs, 'outputs', walk);
  const inputs = validateInputs(raw.inputs, 'inputs', walk, ctx);

  let state = ctx.paths.state;
  if (globals?.persistence.type === 'filesystem') {
    const dir = globals.persistence.config.directory_name;
    state = isAbsolute(dir) ? dir : resolve(ctx.paths.base, dir);
    const reason = ctx.files.checkDirectory(state);
    if (reason)
      fail(walk, 'globals.persistence.config.directory_name', `state directory "${state}" ${reason}`);
  }

  const problems = dedupe(walk.problems);
  if (!globals || !outputs || !inputs || problems.some((p) => p.severity === 'error')) return { problems };
  const config: RuntimeConfig = { globals, outputs, inputs, paths: { ...ctx.paths, state } };
  return { config: deepFreeze(config), problems };
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.severity}\n${p.path}\n${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
