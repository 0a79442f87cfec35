// Bad input never breaks the loader: 400 random mutations of a valid config (keys dropped, values
// replaced by other types, garbage strings, deep nesting, byte flips of the YAML) each end in either a
// valid config or a list of problems with paths — never an exception, a stack trace or the secret.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadConfig } from '../../../collector-runtime/src/config/load.ts';
import { ConfigError } from '../../../collector-runtime/src/core/errors.ts';
import { goodConfig, NOW, removeLayouts, SECRET, writeLayout, type Config } from './config-fixture.ts';

after(removeLayouts);

// mulberry32: a tiny seeded PRNG, so every failure is reproducible from its seed.
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD: unknown[] = [
  null,
  0,
  -1,
  1e308,
  3.5,
  true,
  'false',
  '',
  ' ',
  '\u0000',
  '2024-13-45T99:99:99Z',
  'x'.repeat(5000),
  [],
  [1, 2],
  {},
  { a: { b: { c: {} } } },
  '../../etc/passwd',
  '${HOME}',
  '*anchor',
  'ünïcødé ✓',
];

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== 'object') return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function mutate(config: Config, random: () => number): Config | string {
  const all = paths(config).filter((p) => p.length > 0);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const path = pick(all);
    const parent = path
      .slice(0, -1)
      .reduce<any>((o, k) => (o && typeof o === 'object' ? o[k] : undefined), config);
    if (!parent || typeof parent !== 'object') continue;
    const key = path.at(-1)!;
    const r = random();
    if (r < 0.3) delete parent[key];
    else if (r < 0.8) parent[key] = structuredClone(pick(WEIRD));
    else parent[`${key}_${Math.floor(random() * 100)}`] = pick(WEIRD);
  }
  if (random() < 0.15) {
    // Flip a few bytes of the YAML text itself.
    const text = [...stringify(config)];
    for (let i = 0; i < 3; i++)
      text[Math.floor(random() * text.length)] = String.fromCharCode(Math.floor(random() * 128));
    return text.join('');
  }
  return config;
}

test('400 random mutations: a config or problems with paths, never a crash or a leaked secret', async () => {
  let invalid = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const mutated = mutate(goodConfig(), prng(seed));
    const { file } = writeLayout(mutated);
    try {
      const { config } = await loadConfig({ configPath: file, env: {}, now: NOW });
      assert.ok(config.globals && config.outputs, `seed ${seed}: a loaded config has globals and outputs`);
    } catch (err) {
      assert.ok(err instanceof ConfigError, `seed ${seed}: threw ${(err as Error)?.stack}`);
      invalid++;
      assert.ok(err.problems.length > 0, `seed ${seed}: an invalid config names at least one problem`);
      assert.doesNotMatch(err.message, /\n\s+at /, `seed ${seed}: no stack trace`);
      assert.ok(!err.message.includes(SECRET), `seed ${seed}: the secret leaked`);
    }
  }
  assert.ok(invalid > 300, `most mutations are invalid (${invalid} of 400)`);
});
