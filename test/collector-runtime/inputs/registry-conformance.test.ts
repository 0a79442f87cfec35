// Every registered source, checked the same way: names unique, default tags valid Devo tags, every
// service takes the common settings, and a minimal config of each service validates with its defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inputRegistry } from '../../../collector-runtime/src/inputs/registry.ts';
import { DEVO_TAG } from '../../../collector-runtime/src/config/schema.ts';
import { validateConfig } from '../../../collector-runtime/src/config/validate.ts';

const files = {
  readText: () => ({ text: 'secret' }),
  checkReadable: () => undefined,
  checkDirectory: () => undefined,
};
const paths = { base: '/x', certs: '/x/certs', config: '/x/config', state: '/x/state' };

for (const [name, def] of inputRegistry) {
  test(`${name}: tags, service settings and defaults`, () => {
    assert.equal(def.name, name);
    for (const [service, s] of Object.entries(def.services)) {
      assert.ok(s.defaultTags.length > 0, `${service} declares its tags`);
      for (const tag of s.defaultTags) assert.match(tag, DEVO_TAG, `${service}: ${tag} is a valid Devo tag`);
      assert.ok(s.minRequestPeriodSeconds <= s.defaultRequestPeriodSeconds);
      assert.ok(s.stateVersion >= 1);
    }
    const credentials = Object.fromEntries(Object.keys(def.credentials).map((k) => [k, 'value']));
    const raw = {
      globals: { id: 'c', name: 'c' },
      outputs: { out: { type: 'console', config: {} } },
      inputs: {
        [name]: {
          id: 'i',
          credentials,
          services: Object.fromEntries(Object.keys(def.services).map((s) => [s, {}])),
        },
      },
    };
    const { config, problems } = validateConfig(raw, {
      now: Date.now(),
      env: {},
      paths,
      files,
      registry: inputRegistry,
    });
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error'),
      [],
    );
    const input = config!.inputs[0]!;
    assert.deepEqual(
      input.services.map((s) => s.name),
      Object.keys(def.services),
    );
    for (const s of input.services)
      assert.equal(s.config.request_period_in_seconds, def.services[s.name]!.defaultRequestPeriodSeconds);
  });
}
